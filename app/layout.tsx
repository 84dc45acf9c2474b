import type { Metadata } from "next";
import localFont from "next/font/local";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { Providers } from "./providers";
import "./globals.css";

// Inter from the npm package: next/font/google would need the network at build time.
const inter = localFont({
  src: "../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2",
  variable: "--font-inter",
  display: "swap",
});

export const metadata: Metadata = {
  title: { default: "AFSBoot", template: "%s · AFSBoot" },
  description: "Console for diskless Linux hosts that boot from AFS",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // every page is rendered per request: its inline scripts carry that response's CSP nonce (proxy.ts)
  await connection();
  return (
    <html lang="en" className={inter.variable}>
      <body className="min-h-screen font-sans">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
