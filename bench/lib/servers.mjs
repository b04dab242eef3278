// The shared upstream and the two reference proxies. Each runs as one process (nginx: master_process off, one
// worker's work; HAProxy: nbthread 1, foreground), so /proc/<pid> is the whole proxy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start } from './procs.mjs';

export const BODIES = { small: 100, '16k': 16 * 1024 };
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

function nginxPrelude(dir, name) {
  const tmp = join(dir, `${name}-tmp`);
  mkdirSync(tmp, { recursive: true });
  return `worker_processes 1;
master_process off;
daemon off;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}-error.log`)} warn;
worker_rlimit_nofile 16384;
`;
}

const tempPaths = (dir, name) =>
  ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${join(dir, `${name}-tmp`, k)};`).join('\n');

/** nginx serving fixed bodies at /small and /16k, over HTTP and HTTPS (the HTTPS one is also the passthrough backend). */
export function startUpstream(dir, ports, certs, cpu) {
  const www = join(dir, 'www');
  mkdirSync(www, { recursive: true });
  for (const [path, size] of Object.entries(BODIES)) writeFileSync(join(www, path), 'x'.repeat(size - 1) + '\n');
  const conf = `${nginxPrelude(dir, 'upstream')}
events { worker_connections 8192; }
http {
${tempPaths(dir, 'upstream')}
  access_log off;
  default_type text/plain;
  sendfile on;
  open_file_cache max=16;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server { listen 127.0.0.1:${ports.upstream} reuseport backlog=4096; root ${www}; }
  server {
    listen 127.0.0.1:${ports.upstreamTls} ssl backlog=4096;
    ssl_certificate ${certs.certFile};
    ssl_certificate_key ${certs.keyFile};
    root ${www};
  }
}
`;
  const file = join(dir, 'upstream.conf');
  writeFileSync(file, conf);
  return start('upstream', 'nginx', ['-p', dir, '-e', join(dir, 'upstream-error.log'), '-c', file], { cpu });
}

/** nginx as the proxy: host routing like the Portico table, keep-alive to the upstream, access log on. */
export function startNginx(dir, ports, up, certs, cpu) {
  const proxied = (target) => `location / {
      proxy_pass ${target};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${certs.caFile};
      proxy_ssl_name upstream.bench;
      proxy_ssl_server_name on;
      proxy_ssl_session_reuse on;
    }`;
  const conf = `load_module ${STREAM_MODULE};
${nginxPrelude(dir, 'nginx')}
events { worker_connections 8192; }
http {
${tempPaths(dir, 'nginx')}
  access_log /dev/null combined buffer=64k;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  upstream up { server 127.0.0.1:${up.upstream}; keepalive 512; }
  upstream up_tls { server 127.0.0.1:${up.upstreamTls}; keepalive 512; }
  ssl_certificate ${certs.certFile};
  ssl_certificate_key ${certs.keyFile};
  server {
    listen 127.0.0.1:${ports.http} default_server backlog=4096;
    listen 127.0.0.1:${ports.tls} ssl default_server backlog=4096;
    ${proxied('http://up')}
  }
  server {
    listen 127.0.0.1:${ports.http};
    server_name tlsup.bench;
    ${proxied('https://up_tls')}
  }
}
stream {
  map $ssl_preread_server_name $pt_backend { pt.bench 127.0.0.1:${up.upstreamTls}; default 127.0.0.1:9; }
  server { listen 127.0.0.1:${ports.passthrough} backlog=4096; ssl_preread on; proxy_pass $pt_backend; }
}
`;
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  return start('nginx', 'nginx', ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', file], { cpu });
}

/** HAProxy with one thread: the same routes, TCP mode with SNI inspection for passthrough, access log on. */
export function startHaproxy(dir, ports, up, certs, cpu) {
  const conf = `global
  nbthread 1
  # HAProxy raises its FD limit to ~2×maxconn and refuses to start when it cannot (a 20000 hard limit seen here).
  maxconn 8000
  log stdout format raw local0 info
defaults
  mode http
  log global
  option httplog
  option http-keep-alive
  http-reuse always
  maxconn 8000
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
frontend fe_http
  option forwardfor
  bind 127.0.0.1:${ports.http}
  bind 127.0.0.1:${ports.tls} ssl crt ${certs.pemFile}
  use_backend be_tls if { hdr(host) -i tlsup.bench }
  default_backend be_plain
backend be_plain
  server up 127.0.0.1:${up.upstream}
backend be_tls
  server up 127.0.0.1:${up.upstreamTls} ssl verify required ca-file ${certs.caFile} sni str(upstream.bench) verifyhost upstream.bench
frontend fe_pt
  mode tcp
  option tcplog
  bind 127.0.0.1:${ports.passthrough}
  tcp-request inspect-delay 5s
  tcp-request content accept if { req_ssl_hello_type 1 }
  use_backend be_pt if { req_ssl_sni -i pt.bench }
backend be_pt
  mode tcp
  server up 127.0.0.1:${up.upstreamTls}
`;
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, conf);
  // The access log (stdout) goes to /dev/null like the other two: formatting each line is still paid for.
  return start('haproxy', 'sh', ['-c', `exec haproxy -db -f ${file} >/dev/null 2>>${join(dir, 'haproxy-error.log')}`], { cpu });
}
