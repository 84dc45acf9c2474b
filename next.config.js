// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and driver packages stay outside the bundle.
  serverExternalPackages: ["@prisma/adapter-better-sqlite3", "@prisma/adapter-pg", "better-sqlite3", "@node-rs/argon2"],
  poweredByHeader: false,
  typedRoutes: false,
  experimental: {
    // bulk CSV enrollment: 10,000 rows are about 0.6 MB; larger bodies are refused before parsing
    serverActions: { bodySizeLimit: "6mb" },
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
