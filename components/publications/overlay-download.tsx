import { Download } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

interface Props {
  release: string;
  version: string;
  /** the release's tree: an overlay is built for a cell whose /afs/<cell>/ holds it */
  tree: string;
  cells: string[];
}

const holds = (cell: string, tree: string) => tree.startsWith(`/afs/${cell}/`) || tree.startsWith(`/afs/.${cell}/`);

/**
 * A release version's overlay initrd for one cell, as publishing builds it: a plain GET form, so
 * the browser downloads the attachment without any script.
 */
export function OverlayDownload({ release, version, tree, cells: all }: Props) {
  const cells = all.filter((c) => holds(c, tree));
  const action = `/api/v1/releases/${encodeURIComponent(release)}/versions/${encodeURIComponent(version)}/overlay`;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Overlay initrd</CardTitle>
        <CardDescription>
          The small initrd loaded after the base initrd: /init, busybox and the settings of the AFS cell that holds the tree. Download it to inspect it or to
          boot a host by hand.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {cells.length === 0 ? (
          <p className="text-sm text-slate-600">
            No described cell holds the tree <span className="font-mono">{tree}</span>: an overlay is built for the cell whose /afs/&lt;cell&gt;/ holds it, and
            carries that cell&apos;s database servers.
          </p>
        ) : (
          <form method="get" action={action} className="flex flex-wrap items-end gap-3">
            <div className="space-y-1.5">
              <Label htmlFor="overlay-cell">Cell</Label>
              <NativeSelect id="overlay-cell" name="cell" required defaultValue={cells[0]} containerClassName="w-72">
                {cells.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </NativeSelect>
            </div>
            <Button type="submit" variant="outline">
              <Download className="size-4" aria-hidden />
              Download overlay initrd
            </Button>
          </form>
        )}
      </CardContent>
    </Card>
  );
}
