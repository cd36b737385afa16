import { mayBeFrontendCall } from './client-links.js';
import { isComposeFile } from './compose.js';
import { isProxyConfig } from './proxy-configs.js';

/**
 * The files without a CORS policy whose text topology and the project facts still read: the shell
 * streams a repository and keeps only the texts a run needs (src/engine/retain.ts), so every
 * reader here of `TopologyFiles.yaml` / `.texts` beyond policy files must be covered by this test.
 * nginx files are always kept (includes, server_name, proxy_pass). Whatever is not kept can still
 * be read through the host (`read`, module reads), confined to the scanned root.
 * test/stream.test.ts compares a streamed run with one that keeps everything.
 */
export function topologyReadsYaml(path: string, text: string): boolean {
  return (
    isComposeFile(path) ||
    // Ingress and Contour HTTPProxy hosts (project facts), and the Services and workloads an Ingress leads to (kubernetes.ts).
    /kind:\s*["']?(Ingress|Service|Deployment|StatefulSet|DaemonSet|HTTPProxy)\b/.test(text) ||
    /^apiVersion:\s*skaffold\//m.test(text)
  );
}

/** Frontend code whose browser calls are linked to the servers they reach (client-links.ts), and the configs of its proxies. */
export function topologyReadsScript(path: string, text: string): boolean {
  // Dev-server configs, next.config, vercel.json and netlify.toml: same-origin proxies (proxy-links.ts).
  return mayBeFrontendCall(path, text) || isProxyConfig(path);
}
