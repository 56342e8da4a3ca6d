// The report's search section: the retrieval figures as a table (one column per embedding) beside
// the images that several captions retrieve, drawn as thumbnails framed green (the caption
// describes the image), red (it does not) or grey (a free-text query, not judged).
import { escapeXml } from './svg.js';
import { grayscalePng, pngDataUrl } from './thumbnails.js';

export interface SearchSectionInput {
  /** Column headings of the figures table (after the first, which names the figure). */
  columns: string[];
  /** One row per figure: its name, then one cell per column ('' where not defined). */
  figures: [string, ...string[]][];
  galleries: {
    query: string;
    /** A short note after the query ("held-out combination"). */
    note?: string;
    /** Each image's pixels (side x side, [0, 1]) and whether it is a hit. */
    images: { pixels: ArrayLike<number>; hit: boolean | null }[];
  }[];
  /** Pixels a row of the square images. */
  side: number;
  notes: string[];
}

const FRAME = { hit: '#31a354', miss: '#d62728', unjudged: '#bbbbbb' };

export function renderSearchSection(s: SearchSectionInput): string {
  const head = `<tr><th></th>${s.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr>`;
  const body = s.figures.map(([name, ...cells]) => `<tr><th>${escapeXml(name)}</th>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('\n');
  const galleries = s.galleries.map((g) => {
    const thumbs = g.images.map((im) => {
      const colour = im.hit === null ? FRAME.unjudged : im.hit ? FRAME.hit : FRAME.miss;
      const alt = im.hit === null ? 'result' : im.hit ? 'hit' : 'miss';
      return `<img src="${pngDataUrl(grayscalePng(im.pixels, s.side, s.side, { scale: 2, invert: true }))}" alt="${alt}" width="${2 * s.side}" height="${2 * s.side}" style="border: 3px solid ${colour}; margin: 1px">`;
    }).join('');
    return `<div class="query"><div><q>${escapeXml(g.query)}</q>${g.note ? ` <span class="sub">${escapeXml(g.note)}</span>` : ''}</div>${thumbs}</div>`;
  }).join('\n');
  const notes = s.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('\n');
  return `<h2>Search</h2>
<div class="grid"><div><table>${head}\n${body}</table><ul>${notes}</ul></div>
<div class="galleries">${galleries}</div></div>`;
}
