// Regenerates docs/screenshot.png from a running console with a little sample data:
//   BASE_URL=http://127.0.0.1:3000 USERNAME=admin PASSWORD=… API_TOKEN=… node scripts/screenshot.mjs
// It signs in with Debian's chromium, adds a sample network and cell through the API if missing,
// and captures the networks page.
import { chromium } from "@playwright/test";

const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const { USERNAME: username, PASSWORD: password, API_TOKEN: token } = process.env;
if (!username || !password || !token) throw new Error("set USERNAME, PASSWORD and API_TOKEN");

const api = (path, body) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const nets = [
  ["lab", "10.0.0.0/24", "lab.example.org"],
  ["render", "10.1.0.0/22", "render.example.org"],
  ["kiosk", "192.168.40.0/24", "kiosk.example.org"],
];
for (const [name, subnet, domain] of nets) {
  const gw = subnet.replace(/\.0\/\d+$/, ".1");
  await api("/api/v1/networks", { name, subnet, gateway: gw, dns: [gw], domain, bootServer: gw, reportUrl: `http://${gw}:3000` });
}
await api("/api/v1/cells", {
  name: "example.org",
  client: "kafs",
  bootRoot: "/afs/example.org/boot",
  cacheMemcache: true,
  cacheBlocks: 65536,
  servers: [
    { name: "afsdb1.example.org", ip: "10.0.0.5" },
    { name: "afsdb2.example.org", ip: "10.0.0.6" },
  ],
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
await page.goto(`${base}/login`);
await page.getByRole("textbox", { name: "Username" }).fill(username);
await page.getByRole("textbox", { name: "Password" }).fill(password);
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL(`${base}/`);
await page.goto(`${base}/networks`);
await page.screenshot({ path: "docs/screenshot.png" });
await browser.close();
console.log("wrote docs/screenshot.png");
