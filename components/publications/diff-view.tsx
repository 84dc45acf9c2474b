import { cn } from "@/lib/utils";

// A unified diff as a person reads it: added lines green, removed lines red, hunk headers blue.
// The +/- at the start of each line stays, so the colour is never the only cue.

function lineClass(line: string): string {
  if (line.startsWith("+++ ") || line.startsWith("--- ")) return "font-semibold text-slate-500";
  if (line.startsWith("+")) return "bg-green-50 text-green-800";
  if (line.startsWith("-")) return "bg-red-50 text-red-800";
  if (line.startsWith("@@")) return "bg-blue-50 text-blue-700";
  if (line.startsWith("\\")) return "italic text-slate-500";
  return "text-slate-700";
}

export function DiffView({ diff, className }: { diff: string; className?: string }) {
  const lines = diff.replace(/\n$/, "").split("\n");
  return (
    // focusable: a long diff scrolls, and keyboard users must be able to scroll it
    <pre tabIndex={0} className={cn("max-h-[32rem] overflow-auto rounded-md border border-slate-200 bg-white py-2 font-mono text-xs leading-5", className)}>
      <code className="block w-max min-w-full">
        {lines.map((line, i) => (
          <span key={i} className={cn("block px-3", lineClass(line))}>
            {line || " "}
          </span>
        ))}
      </code>
    </pre>
  );
}
