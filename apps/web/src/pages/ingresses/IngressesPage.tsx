import { useMatch, useParams } from 'react-router';
import { IngressDetail } from './IngressDetail.js';
import { IngressList } from './IngressList.js';
import { NewIngressPage } from './NewIngressPage.js';

/** /ingresses (the list), /ingresses/new (the editor on a new object), /ingresses/:namespace/:name (one, editable). */
export function IngressesPage() {
  const { namespace, name } = useParams();
  const creating = useMatch('/ingresses/new') !== null;
  if (namespace && name) return <IngressDetail namespace={namespace} name={name} />;
  return creating ? <NewIngressPage /> : <IngressList />;
}
