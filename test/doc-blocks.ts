import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One fenced TypeScript or JavaScript block of a Markdown file. */
export interface DocBlock {
  /** `README.md:31`: the file and the line of the opening fence. */
  where: string;
  lang: string;
  code: string;
  /** The reason given by a `<!-- partial: reason -->` comment just above the fence, if any. */
  partial: string | undefined;
}

const CODE = /^(ts|typescript|js|javascript|mjs|mts)$/;

/** Every ```ts / ```js block of `file` (a path relative to `root`). */
export function docBlocks(root: string, file: string): DocBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    const lang = open[1] ?? '';
    if (CODE.test(lang)) {
      let above = i - 1;
      while (above >= 0 && (lines[above] as string).trim() === '') above--;
      const marker = /^<!--\s*partial:\s*(.*?)\s*-->$/.exec((lines[above] ?? '').trim());
      blocks.push({
        where: `${file}:${i + 1}`,
        lang,
        code: lines.slice(i + 1, end).join('\n'),
        partial: marker ? marker[1] : undefined,
      });
    }
    i = end < 0 ? lines.length : end;
  }
  return blocks;
}

/** README.md and every Markdown file under docs/. */
export function docFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return ['README.md', ...walk('docs')];
}
