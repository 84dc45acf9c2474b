"use client";

import { Download, FileText, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { fmt } from "./format";

// Where the CSV comes from: pasted into the textarea, or a file read in the browser.

const TEMPLATE = [
  "hostname,mac,ip,cell,release,tags",
  "node001,52:54:00:12:34:56,10.0.0.11,example.org,rh-7.3,render",
  "node002,52-54-00-12-34-57,10.0.0.12,example.org,rh-7.3@1,render;gpu",
  "",
].join("\n");
const TEMPLATE_HREF = `data:text/csv;charset=utf-8,${encodeURIComponent(TEMPLATE)}`;

export interface LoadedFile {
  name: string;
  size: number;
}

interface Props {
  text: string;
  file: LoadedFile | null;
  rows: number;
  disabled: boolean;
  onText: (text: string) => void;
  onFile: (file: File) => void;
  onClearFile: () => void;
}

export function kilobytes(size: number): string {
  return size >= 1024 * 1024 ? `${(size / 1024 / 1024).toFixed(1)} MB` : `${fmt(Math.ceil(size / 1024))} KB`;
}

export function CsvSource({ text, file, rows, disabled, onText, onFile, onClearFile }: Props) {
  return (
    <div className="space-y-5">
      <div className="rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700">
        <p>
          The first line is the header <code className="font-mono text-xs">hostname,mac,ip,cell,release</code>, optionally followed by{" "}
          <code className="font-mono text-xs">,tags</code> (tags separated by spaces or <code className="font-mono text-xs">;</code>) and{" "}
          <code className="font-mono text-xs">,secureboot</code> (<code className="font-mono text-xs">on</code>, <code className="font-mono text-xs">off</code>{" "}
          or empty for the network&apos;s default), then the BMC columns and <code className="font-mono text-xs">,identity</code> (
          <code className="font-mono text-xs">none</code>, <code className="font-mono text-xs">tpm</code>, <code className="font-mono text-xs">port</code>:
          source address + privileged port, weaker; empty for the network&apos;s). The release is a tree (<code className="font-mono text-xs">rh-7.3</code>, its
          latest active version) or a pinned version (<code className="font-mono text-xs">rh-7.3@1</code>
          ). Up to 5 MB per file.
        </p>
        <a href={TEMPLATE_HREF} download="hosts-template.csv" className="mt-2 inline-flex items-center gap-1.5 font-medium text-blue-700 hover:underline">
          <Download className="size-4" aria-hidden />
          Download a template CSV
        </a>
      </div>

      <Field label="CSV file" name="csv-file" hint="Read in your browser; nothing is sent until you preview.">
        <Input
          id="csv-file"
          name="csv-file"
          type="file"
          accept=".csv,text/csv,text/plain"
          aria-describedby="csv-file-hint"
          disabled={disabled}
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) onFile(f);
            e.currentTarget.value = ""; // choosing the same file again reloads it
          }}
        />
      </Field>

      {file ? (
        <div className="flex items-center justify-between gap-3 rounded-md border border-slate-200 px-4 py-3 text-sm" data-testid="loaded-file">
          <span className="flex min-w-0 items-center gap-2">
            <FileText className="size-4 shrink-0 text-slate-500" aria-hidden />
            <span className="truncate font-medium">{file.name}</span>
            <span className="text-slate-600">
              {kilobytes(file.size)} · {fmt(rows)} rows
            </span>
          </span>
          <Button type="button" variant="ghost" size="sm" disabled={disabled} onClick={onClearFile}>
            <X className="size-4" aria-hidden />
            Remove file
          </Button>
        </div>
      ) : (
        <Field label="Or paste CSV text" name="csv-text" hint={text ? `${fmt(rows)} rows` : undefined}>
          <Textarea
            id="csv-text"
            name="csv-text"
            rows={10}
            spellCheck={false}
            className="font-mono text-xs"
            placeholder={TEMPLATE}
            value={text}
            disabled={disabled}
            aria-describedby={text ? "csv-text-hint" : undefined}
            onChange={(e) => onText(e.currentTarget.value)}
          />
        </Field>
      )}
    </div>
  );
}
