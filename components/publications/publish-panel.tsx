"use client";

import { useActionState, useState } from "react";
import { useRouter } from "next/navigation";
import Link from "next/link";
import { CircleAlert, Eye, FolderCog, ShieldAlert } from "lucide-react";
import { hostOfSecureBootField, releaseOfImagesDirField } from "@/lib/publish/refusal-paths";
import type { ActionState } from "@/lib/action-state";
import { SubmitButton } from "@/components/ui/submit-button";
import type { Preview } from "@/lib/publish/preview";
import { PreviewResult } from "./preview-result";
import { PublishDialog, type Refusal } from "./publish-dialog";
import { DaemonOutput } from "./validation-results";

// The operator's part of the Publish page: preview (a dry run with diffs), then publish what it
// showed behind a confirmation. The role is checked again in both server actions.

interface Props {
  preview: (prev: ActionState<Preview>, form: FormData) => Promise<ActionState<Preview>>;
  publish: (prev: ActionState, form: FormData) => Promise<ActionState>;
  exportDir: string;
  hooks: string[];
}

export function PublishPanel({ preview, publish, exportDir, hooks }: Props) {
  const router = useRouter();
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [state, previewAction] = useActionState<ActionState<Preview>, FormData>(async (prev, form) => {
    setRefusal(null);
    return preview(prev, form);
  }, null);
  const result = state?.ok ? state.data : undefined;

  function refused(r: Refusal) {
    setRefusal(r);
    router.refresh(); // a refused publication is recorded: show it in the history
  }

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center gap-2">
        <form action={previewAction}>
          <SubmitButton variant={result ? "outline" : "default"} pendingText="Computing the changes…">
            <Eye className="size-4" aria-hidden />
            {result ? "Preview again" : "Preview changes"}
          </SubmitButton>
        </form>
        {result && result.total > 0 && <PublishDialog count={result.total} exportDir={exportDir} hooks={hooks} action={publish} onRefused={refused} />}
      </div>
      {refusal && <Refused refusal={refusal} />}
      {state && !state.ok && <Refused lead="Preview failed:" refusal={state} />}
      {result && <PreviewResult preview={result} />}
    </div>
  );
}

/**
 * A refusal in full: the message, a link to each release's images-directory setting whose images
 * could not be read and to each Secure Boot host that cannot boot, then each daemon's own output
 * for the file it rejected.
 */
function Refused({ lead, refusal }: { lead?: string; refusal: Refusal }) {
  const entries = Object.entries(refusal.fieldErrors ?? {});
  const imageDirs = entries.flatMap(([path]) => {
    const release = releaseOfImagesDirField(path);
    return release ? [release] : [];
  });
  const hosts = entries.flatMap(([path, message]) => {
    const host = hostOfSecureBootField(path);
    return host ? [{ host, message }] : [];
  });
  const outputs = entries.filter(([path]) => !releaseOfImagesDirField(path) && !hostOfSecureBootField(path));
  const link =
    "inline-flex items-center gap-1.5 font-medium text-red-900 underline underline-offset-2 hover:text-red-700 focus-visible:outline-2 focus-visible:outline-offset-2";
  return (
    <div role="alert" className="space-y-2 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
      <p className="flex items-start gap-2 font-medium">
        <CircleAlert className="mt-0.5 size-4 shrink-0 text-red-600" aria-hidden />
        <span>
          {lead && `${lead} `}
          {refusal.error}
        </span>
      </p>
      {imageDirs.length > 0 && (
        <ul className="space-y-1 pl-6">
          {imageDirs.map((release) => (
            <li key={release}>
              <Link href={`/releases/${encodeURIComponent(release)}#imagesDir`} className={link}>
                <FolderCog className="size-4" aria-hidden />
                Images directory of release {release}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {hosts.length > 0 && (
        <ul className="space-y-1 pl-6">
          {hosts.map(({ host, message }) => (
            <li key={host}>
              <Link href={`/hosts/${encodeURIComponent(host)}#settings`} className={link}>
                <ShieldAlert className="size-4" aria-hidden />
                Host {host}
              </Link>
              : {message}
            </li>
          ))}
        </ul>
      )}
      {outputs.map(([file, output]) => (
        <div key={file}>
          <p className="font-mono text-xs">{file}</p>
          <DaemonOutput output={output} />
        </div>
      ))}
    </div>
  );
}
