import type { paths } from '../../api/schema.gen.js';

export type PassthroughResult = paths['/api/v1/hosts/{host}/passthrough']['patch']['responses'][200]['content']['application/json'];

export interface PreviewSection {
  title: string;
  items: string[];
}

/**
 * What a passthrough switch changes, in sections a person reads before confirming: turning it on lists what stops
 * applying (path rules, rewrites, client verification, forwarded headers, Portico's certificate) and where the TLS
 * bytes will go; turning it off has no effects list, only the API's warnings. Empty sections are left out, except
 * the backend requirement, which is the one thing the API cannot check.
 */
export function previewSections(result: PassthroughResult): PreviewSection[] {
  const sections: PreviewSection[] = [];
  const add = (title: string, items: string[]) => items.length && sections.push({ title, items });
  const effects = result.effects;
  if (result.enabled) {
    sections.push({
      title: 'The backend must speak TLS',
      items: [
        `It must present a certificate valid for ${result.host}: clients see the backend's certificate, not Portico's.`,
        ...(effects?.forwardedTo ?? []).map((f) => `TLS connections go to ${f.service ?? 'the first path\'s backend'} (the first path of ${f.ingress.namespace ?? 'default'}/${f.ingress.name}).`),
      ],
    });
  }
  if (effects) {
    add('Path rules that stop applying', effects.routesStopApplying.map((r) => `${r.path} (${r.pathType})`));
    add('Rewrites that stop applying', effects.rewritesStopApplying.map((r) => `${r.from} → ${r.to}`));
    const verification = effects.clientVerificationStopsApplying;
    add('Client verification that stops applying', verification ? [`client certificates from ${verification.caSubjects.join(', ') || 'the trusted CA'} (depth ${verification.verifyDepth ?? 'default'}) are no longer checked`] : []);
    add('Forwarded headers the backend no longer gets', effects.forwardedHeadersStopApplying.length ? [effects.forwardedHeadersStopApplying.join(', ')] : []);
    add('Certificate no longer served', effects.certificateNoLongerServed ? [effects.certificateNoLongerServed] : []);
    add('Other hosts that switch too', effects.alsoAffectedHosts);
  }
  add('Notes', result.warnings);
  add(
    'Ingresses written',
    result.ingresses.filter((i) => i.changed).map((i) => `${i.ingress.namespace ?? 'default'}/${i.ingress.name}: portico.dev/ssl-passthrough ${i.after === null ? 'removed' : `= "${i.after}"`}`),
  );
  return sections;
}

/** True when the switch would write nothing (the host is already in the asked state). */
export const changesNothing = (result: PassthroughResult) => !result.ingresses.some((i) => i.changed);
