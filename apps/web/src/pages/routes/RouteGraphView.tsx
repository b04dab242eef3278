import '@xyflow/react/dist/style.css';
import { Anchor, Group, Paper, Text } from '@mantine/core';
import { Background, Controls, Handle, Position, ReactFlow, useReactFlow, useStore, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { useEffect, useMemo } from 'react';
import { Link } from 'react-router';
import { hostPath } from '../../components/host-modes.js';
import { ToneBadge } from '../../components/tone.js';
import { TLS_MODES, TlsModeBadge } from '../../components/tls-mode.js';
import type { GraphNode, RouteGraph } from './route-graph.js';

const COLUMN_X = [0, 320, 600, 900];
const ROW_HEIGHT = 92;
const NODE_WIDTH = 250;
const FIT = { padding: 0.08, maxZoom: 1 };

type FlowNode = Node<{ node: GraphNode }>;

/**
 * The route map as a graph. Nodes are not focusable themselves: each host node holds a real link to the host's page,
 * so Tab moves from host to host and Enter opens it; the table view carries the same facts as rows.
 */
export function RouteGraphView({ graph }: { graph: RouteGraph }) {
  const nodes = useMemo<FlowNode[]>(
    () =>
      graph.nodes.map((node) => ({
        id: node.id,
        type: node.kind,
        position: { x: COLUMN_X[node.column]!, y: node.y * ROW_HEIGHT },
        data: { node },
        draggable: false,
        connectable: false,
        ariaLabel: describe(node),
        style: { width: NODE_WIDTH },
      })),
    [graph],
  );
  const edges = useMemo<Edge[]>(
    () => graph.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, animated: false, style: e.broken ? { stroke: 'var(--mantine-color-red-7)', strokeDasharray: '6 4' } : { stroke: 'var(--mantine-color-gray-6)' } })),
    [graph],
  );
  const height = Math.min(Math.max(graph.rows * ROW_HEIGHT + 40, 260), 760);
  return (
    <Paper withBorder h={height} role="region" aria-label="Route map graph: hosts, paths, services and endpoints" data-testid="route-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        fitView
        fitViewOptions={FIT}
        minZoom={0.2}
        nodesFocusable={false}
        edgesFocusable={false}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        zoomOnScroll={false}
        preventScrolling={false}
        proOptions={{ hideAttribution: true }}
      >
        <FitWhenChanged nodes={nodes} />
        <Background gap={24} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </Paper>
  );
}

/**
 * `fitView` fits once, on mount. A host added live, or a window turned from laptop to phone width, would leave nodes
 * out of view: fit again whenever the nodes or the canvas width change.
 */
function FitWhenChanged({ nodes }: { nodes: FlowNode[] }) {
  const { fitView } = useReactFlow();
  const width = useStore((state) => state.width);
  useEffect(() => {
    // After React Flow has measured the new nodes.
    const frame = requestAnimationFrame(() => void fitView(FIT));
    return () => cancelAnimationFrame(frame);
  }, [nodes, width, fitView]);
  return null;
}

function describe(node: GraphNode): string {
  switch (node.kind) {
    case 'host':
      return `host ${node.host}: ${node.modes.map((m) => TLS_MODES[m].label).join(', ')}`;
    case 'route':
      return `path ${node.label} of ${node.host} (${node.detail})`;
    case 'service':
      return `service ${node.label}, ${node.ready} of ${node.total} endpoints ready`;
    case 'endpoint':
      return `endpoint ${node.label}, ${node.ready ? 'ready' : 'not ready'}`;
  }
}

function Frame({ children, accent, input = true, output = true }: { children: React.ReactNode; accent: string; input?: boolean; output?: boolean }) {
  return (
    <Paper withBorder p={8} radius="sm" style={{ borderLeft: `4px solid var(--mantine-color-${accent}-7)` }}>
      {input && <Handle type="target" position={Position.Left} isConnectable={false} />}
      {children}
      {output && <Handle type="source" position={Position.Right} isConnectable={false} />}
    </Paper>
  );
}

function HostNode({ data }: NodeProps<FlowNode>) {
  const node = data.node as Extract<GraphNode, { kind: 'host' }>;
  return (
    <Frame accent={TLS_MODES[node.modes[0]!].color} input={false}>
      <Anchor component={Link} to={hostPath(node.host)} fw={600} size="sm" className="nodrag" data-testid="graph-host">
        {node.host === '*' ? '* (any host)' : node.host}
      </Anchor>
      <Group gap={4} mt={4}>
        {node.modes.map((mode) => (
          <TlsModeBadge key={mode} mode={mode} />
        ))}
        {node.problems > 0 && (
          <ToneBadge color="red" size="sm">
            {node.problems} {node.problems === 1 ? 'problem' : 'problems'}
          </ToneBadge>
        )}
      </Group>
    </Frame>
  );
}

function RouteNode({ data }: NodeProps<FlowNode>) {
  const node = data.node as Extract<GraphNode, { kind: 'route' }>;
  return (
    <Frame accent={node.passthrough ? 'grape' : 'indigo'}>
      <Text size="sm" ff="monospace" fw={600} truncate>
        {node.label}
      </Text>
      <Text size="xs" c="dimmed" truncate>
        {node.detail}
      </Text>
    </Frame>
  );
}

function ServiceNode({ data }: NodeProps<FlowNode>) {
  const node = data.node as Extract<GraphNode, { kind: 'service' }>;
  return (
    <Frame accent={node.ready === 0 ? 'red' : 'cyan'}>
      <Text size="sm" fw={600} truncate>
        {node.label}
      </Text>
      <Text size="xs" c={node.ready === 0 ? 'red.8' : 'dimmed'}>
        {node.ready}/{node.total} ready{node.detail ? ` · ${node.detail}` : ''}
      </Text>
    </Frame>
  );
}

function EndpointNode({ data }: NodeProps<FlowNode>) {
  const node = data.node as Extract<GraphNode, { kind: 'endpoint' }>;
  return (
    <Frame accent={node.ready ? 'green' : 'red'} output={false}>
      <Text size="sm" ff="monospace" truncate>
        {node.label}
      </Text>
      <Text size="xs" c={node.ready ? 'dimmed' : 'red.8'}>
        {node.ready ? 'ready' : 'not ready'} · {node.detail}
      </Text>
    </Frame>
  );
}

const NODE_TYPES = { host: HostNode, route: RouteNode, service: ServiceNode, endpoint: EndpointNode };
