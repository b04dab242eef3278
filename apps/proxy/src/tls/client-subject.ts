/**
 * A certificate's subject as an RFC 4514 string (`CN=alice,O=Example`), from Node's `X509Certificate.subject`.
 *
 * Node prints the name with OpenSSL's RFC 2253 escaping (`,+"\<>;`, a leading `#` or space, a trailing space, and
 * control characters as `\XX`), one RDN per line, in certificate order, multi-valued RDNs joined by ` + `. RFC 4514
 * lists RDNs most specific first, so the lines are reversed and joined with `,`.
 *
 * The result goes into an HTTP header, so every character outside printable ASCII is written as RFC 4514 hex pairs
 * of its UTF-8 bytes: CR, LF or any other control character can never reach the header, and neither can characters
 * Node would refuse to send.
 */
export function rfc4514Subject(nodeSubject: string): string {
  const rdns = nodeSubject.split('\n');
  let out = '';
  for (let i = rdns.length - 1; i >= 0; i--) {
    const rdn = rdns[i];
    if (rdn === '') continue;
    if (out !== '') out += ',';
    // ` + ` can only be the separator: a `+` inside a value is escaped as `\+`.
    out += rdn.replaceAll(' + ', '+');
  }
  return printableAscii(out);
}

function printableAscii(text: string): string {
  // Nearly every subject is plain ASCII: return it as is, without building a new string.
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += '\\' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
