/**
 * Heading anchor: ASCII letters and digits joined by single hyphens, so links
 * to a section survive re-renders and read well in a URL. Accents are folded
 * ("Évaluation" → "evaluation"); a heading with no letters gets "section".
 */
export function slugify(heading: string): string {
  const slug = heading
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug || "section";
}
