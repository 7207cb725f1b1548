/** Parse a duration such as 600, 600s, 10m, 1h, 1h30m into seconds. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text)
  const re = /(\d+)(h|m|s)/gy
  let total = 0
  let m: RegExpExecArray | null
  let consumed = 0
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1)
    consumed = re.lastIndex
  }
  return consumed === text.length && consumed > 0 ? total : undefined
}
