/**
 * `--filter`: a case-insensitive substring of task names, or a regular
 * expression written between slashes (`/store-1m|mutex/`).
 */
export type Matcher = (name: string) => boolean;

export function makeMatcher(filter: string | undefined): Matcher {
  if (filter === undefined || filter === '') return () => true;
  const re = /^\/(.*)\/([a-z]*)$/s.exec(filter);
  if (re !== null) {
    const rx = new RegExp(re[1] ?? '', re[2]);
    return (name) => rx.test(name);
  }
  const needle = filter.toLowerCase();
  return (name) => name.toLowerCase().includes(needle);
}
