// Routing names the case of a document after it: uuid5(uuid5(URL, "urn:vanthu:routing:case"),
// "<agency>|<document id>") (routing's domain/case.py). The clerk's document page reads the
// document's case by it; routing has no look-up by document id yet.

const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

function bytesOf(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

async function uuid5(namespace: string, name: string): Promise<string> {
  const text = new TextEncoder().encode(name);
  const input = new Uint8Array(16 + text.length);
  input.set(bytesOf(namespace));
  input.set(text, 16);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-1', input)).slice(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export async function caseIdFor(agencyCode: string, documentId: string): Promise<string> {
  return uuid5(await uuid5(URL_NAMESPACE, 'urn:vanthu:routing:case'), `${agencyCode}|${documentId}`);
}
