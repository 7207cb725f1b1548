/**
 * A copy of a string that shares no memory with the text it came from. A parser's strings of 13 or more
 * characters are slices that keep the whole text of their file alive; a string remembered beyond one
 * run (a memo key, a shared name) must not hold on to a file that is otherwise done with.
 */
export function detachedCopy(s: string): string {
  return s.split('').join('')
}
