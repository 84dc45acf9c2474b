/** A body that stopped arriving: the client went away, or it was too slow. */
export class BodyIncomplete extends Error {}

/**
 * A request body, read up to `max` bytes and no further: null when it is longer (after `cancel`,
 * which stops the sender), whether or not it announced its length. A chunked body of any size is
 * never buffered whole before the size check.
 */
export async function readAtMost(body: AsyncIterable<Uint8Array> | null | undefined, max: number, cancel?: () => void): Promise<Buffer | null> {
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      cancel?.();
      return null;
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? Buffer.from(chunks[0]!) : Buffer.concat(chunks);
}
