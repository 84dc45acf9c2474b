import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex min-h-[60vh] flex-col items-center justify-center gap-3 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="text-slate-600">That page or record does not exist, or it was deleted.</p>
      <Link href="/" className="text-blue-700 hover:underline">
        Back to the dashboard
      </Link>
    </main>
  );
}
