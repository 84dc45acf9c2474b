import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { CellForm } from "@/components/cells/cell-form";
import { SettingsOrDetails } from "@/components/shell/detail-list";
import { SavedToast } from "@/components/shell/saved-toast";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { PageHeader } from "@/components/ui/page-header";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { getCell } from "@/lib/data/cells";
import { orNotFound } from "@/lib/errors";
import { deleteCellAction, updateCellAction } from "../actions";

type Params = Promise<{ name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Cell ${decodeURIComponent((await params).name)}` };
}

export default async function CellPage({ params }: { params: Params }) {
  const actor = await requireActor();
  const name = decodeURIComponent((await params).name);
  const cell = await orNotFound(getCell(actor, name), notFound);
  const canEdit = hasRole(actor.role, "operator");
  const rows: [string, string][] = [
    ["AFS client", cell.client === "kafs" ? "kAFS (in-kernel)" : "OpenAFS (afsd)"],
    ["Boot root", cell.bootRoot],
    ["Cache", `${cell.cacheMemcache ? "memory" : "disk"}, ${cell.cacheBlocks} blocks`],
    ["Database servers", cell.servers.map((s) => `${s.name} ${s.ip}`).join(", ")],
    [
      "Kerberos realm",
      cell.realm ? `${cell.realm} (hosts get an AFS token from their keytab before mounting their tree)` : "— (none: trees are read anonymously)",
    ],
    ["KDCs", cell.kdcs.length ? cell.kdcs.join(", ") : "—"],
    ["Hosts", String(cell.hostCount)],
  ];
  return (
    <div className="space-y-6">
      <SavedToast message={`Saved cell ${cell.name}`} />
      <PageHeader
        title={`Cell ${cell.name}`}
        description={cell.notes || undefined}
        breadcrumbs={[{ label: "Cells", href: "/cells" }, { label: cell.name }]}
        actions={
          canEdit && (
            <ConfirmDelete
              action={deleteCellAction}
              what={`cell ${cell.name}`}
              hidden={{ current: cell.name }}
              redirectTo="/cells"
              description={
                cell.hostCount > 0
                  ? `${cell.hostCount} host(s) still use this cell: the console will refuse until they are moved.`
                  : "This removes the cell and its database server list. It cannot be undone."
              }
            />
          )
        }
      />
      <SettingsOrDetails editable={canEdit} rows={rows}>
        <CellForm key={cell.revision} action={updateCellAction} cell={cell} submitLabel="Save changes" />
      </SettingsOrDetails>
    </div>
  );
}
