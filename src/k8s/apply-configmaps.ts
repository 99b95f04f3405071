// Applies function ConfigMaps through the Kubernetes API (create or replace), and optionally
// prunes the ones of functions that no longer exist.
import { ApiException, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { CONFIGMAP_SELECTOR } from "./configmap-format.ts";
import type { FunctionConfigMap } from "./configmap-format.ts";

export interface ApplyResult {
  created: string[];
  replaced: string[];
  unchanged: string[];
  pruned: string[];
}

export function kubeConfigFromDefault(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  return config;
}

export function namespaceOf(config: KubeConfig, requested: string | undefined): string {
  return requested ?? config.getContextObject(config.getCurrentContext())?.namespace ?? "default";
}

export async function applyConfigMaps(config: KubeConfig, namespace: string, maps: FunctionConfigMap[], prune: boolean): Promise<ApplyResult> {
  const api = config.makeApiClient(CoreV1Api);
  const result: ApplyResult = { created: [], replaced: [], unchanged: [], pruned: [] };
  for (const map of maps) {
    const body: V1ConfigMap = { ...map, metadata: { ...map.metadata, namespace } };
    const existing = await api.readNamespacedConfigMap({ name: map.metadata.name, namespace }).catch((error: unknown) => {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    });
    if (existing === undefined) {
      await api.createNamespacedConfigMap({ namespace, body });
      result.created.push(map.metadata.name);
    } else if (JSON.stringify(existing.data ?? {}) === JSON.stringify(map.data) && JSON.stringify(existing.metadata?.labels ?? {}) === JSON.stringify(map.metadata.labels)) {
      result.unchanged.push(map.metadata.name);
    } else {
      body.metadata = { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion };
      await api.replaceNamespacedConfigMap({ name: map.metadata.name, namespace, body });
      result.replaced.push(map.metadata.name);
    }
  }
  if (prune) {
    const wanted = new Set(maps.map((map) => map.metadata.name));
    const list = await api.listNamespacedConfigMap({ namespace, labelSelector: CONFIGMAP_SELECTOR });
    for (const item of list.items) {
      const name = item.metadata?.name;
      if (name !== undefined && !wanted.has(name)) {
        await api.deleteNamespacedConfigMap({ name, namespace });
        result.pruned.push(name);
      }
    }
  }
  return result;
}
