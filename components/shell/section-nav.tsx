// Links to the sections of a long page, in their order: plain anchors (no JavaScript needed, and a
// section can be linked). One line (it scrolls sideways on a phone) that stays under the header
// while the page scrolls; the sections leave room for both above them (SECTION_SCROLL_MARGIN).

/** For each section a SectionNav links to: lands below the sticky header and the nav. */
export const SECTION_SCROLL_MARGIN = "scroll-mt-28";

export function SectionNav({ sections }: { sections: { id: string; label: string }[] }) {
  return (
    <nav aria-label="On this page" className="sticky top-14 z-10 -mx-1 flex gap-1 overflow-x-auto whitespace-nowrap bg-slate-50/95 px-1 py-2 backdrop-blur">
      {sections.map((s) => (
        <a key={s.id} href={`#${s.id}`} className="rounded-md px-2.5 py-1 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900">
          {s.label}
        </a>
      ))}
    </nav>
  );
}
