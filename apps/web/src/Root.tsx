import '@mantine/core/styles.css';
import { MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, useMemo } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router';
import { EmptyState, Loading } from './components/states.js';
import { Shell } from './layout/Shell.js';
import { LiveEventsProvider } from './live/live-events.js';
import { SessionProvider, useSessionState } from './session/session.js';
import { SignIn } from './session/SignIn.js';

// Shades chosen for WCAG AA contrast on white (axe checks every page): Mantine's defaults for the primary colour and
// dimmed text fall just short of 4.5:1.
// Each page is its own chunk (the route graph, the YAML editor and their libraries load only where they are used); the
// shell shows the navigation while a page loads.
const OverviewPage = lazy(() => import('./pages/overview/OverviewPage.js').then((m) => ({ default: m.OverviewPage })));
const RoutesPage = lazy(() => import('./pages/routes/RoutesPage.js').then((m) => ({ default: m.RoutesPage })));
const HostPage = lazy(() => import('./pages/hosts/HostPage.js').then((m) => ({ default: m.HostPage })));
const CertificatesPage = lazy(() => import('./pages/certificates/CertificatesPage.js').then((m) => ({ default: m.CertificatesPage })));
const IngressesPage = lazy(() => import('./pages/ingresses/IngressesPage.js').then((m) => ({ default: m.IngressesPage })));
const ExplainPage = lazy(() => import('./pages/explain/ExplainPage.js').then((m) => ({ default: m.ExplainPage })));
const DiagnosticsPage = lazy(() => import('./pages/diagnostics/DiagnosticsPage.js').then((m) => ({ default: m.DiagnosticsPage })));
const AuditPage = lazy(() => import('./pages/audit/AuditPage.js').then((m) => ({ default: m.AuditPage })));

const theme = createTheme({ primaryColor: 'indigo', primaryShade: { light: 8, dark: 5 }, defaultRadius: 'md' });
const contrastVariables: CSSVariablesResolver = () => ({ variables: {}, light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' }, dark: {} });

export function Root() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={contrastVariables} defaultColorScheme="light">
      <SessionProvider>
        <BrowserRouter>
          <SignedIn />
        </BrowserRouter>
      </SessionProvider>
    </MantineProvider>
  );
}

/** Until a token is accepted, any URL shows the sign-in; after it, the same URL (a deep link) shows its page. */
function SignedIn() {
  const { session, restoring } = useSessionState();
  // A fresh cache per token: nothing read with one token is shown to another.
  const queryClient = useMemo(() => new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 2000 } } }), [session?.token]);
  if (restoring) return <Loading what="your session" />;
  if (!session) return <SignIn />;
  return (
    <QueryClientProvider client={queryClient}>
      <LiveEventsProvider token={session.token}>
        <Routes>
          <Route element={<Shell />}>
            <Route index element={<OverviewPage />} />
            <Route path="routes" element={<RoutesPage />} />
            <Route path="hosts/:host" element={<HostPage />} />
            <Route path="certificates" element={<CertificatesPage />} />
            <Route path="certificates/:namespace/:name" element={<CertificatesPage />} />
            <Route path="ingresses" element={<IngressesPage />} />
            <Route path="ingresses/new" element={<IngressesPage />} />
            <Route path="ingresses/:namespace/:name" element={<IngressesPage />} />
            <Route path="explain" element={<ExplainPage />} />
            <Route path="diagnostics" element={<DiagnosticsPage />} />
            <Route path="audit" element={<AuditPage />} />
            <Route path="*" element={<EmptyState title="No such page">Use the navigation to find hosts, certificates and Ingresses.</EmptyState>} />
          </Route>
        </Routes>
      </LiveEventsProvider>
    </QueryClientProvider>
  );
}
