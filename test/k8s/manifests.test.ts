// The manifests build with kustomize and every object passes the Kubernetes object schemas,
// offline; then the properties that matter for safety and operations are asserted one by one.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadAllYaml } from "@kubernetes/client-node";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../..", import.meta.url));
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> } & Record<string, unknown>;

const kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((path) => existsSync(path));
const objects = (): K8sObject[] => loadAllYaml(execFileSync(kubectl!, ["kustomize", `${repo}k8s`], { encoding: "utf8" })) as K8sObject[];

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace, Service, ServiceAccount, Secret, Role, RoleBinding, Deployment, StatefulSet, HorizontalPodAutoscaler,
};

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  livenessProbe?: { httpGet?: { port: string | number; path: string } };
  readinessProbe?: { httpGet?: { port: string | number; path: string } };
  ports?: { name: string; containerPort: number }[];
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
}
const podOf = (object: K8sObject) => (object.spec as { template: { spec: PodSpec } }).template.spec;

describe("k8s manifests", () => {
  it("build with kubectl kustomize, all in the skywalker namespace, and pass the Kubernetes schemas", () => {
    expect(kubectl, "the kubectl client is needed to build the kustomization").toBeDefined();
    const all = objects();
    expect(all.map((object) => object.kind).sort()).toEqual(["Deployment", "Deployment", "Deployment", "HorizontalPodAutoscaler", "Namespace", "Role", "RoleBinding", "Secret", "Service", "Service", "Service", "ServiceAccount", "StatefulSet"]);
    for (const object of all) {
      const Model = MODELS[object.kind];
      expect(Model, `a schema for ${object.kind}`).toBeDefined();
      expect(() => new Model!(object as never).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
      if (object.kind !== "Namespace") expect(object.metadata.namespace).toBe("skywalker");
    }
  });

  it("run every container as non-root on a read-only root file system, with no privileges", () => {
    for (const object of objects().filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")) {
      const pod = podOf(object);
      expect(pod.securityContext?.runAsNonRoot, object.metadata.name).toBe(true);
      for (const container of pod.containers) {
        expect(container.securityContext, `${object.metadata.name}/${container.name}`).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      }
    }
  });

  it("let the pods only get, list and watch configmaps", () => {
    const role = objects().find((o) => o.kind === "Role")!;
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }]);
    for (const object of objects().filter((o) => o.kind === "Deployment")) expect(podOf(object).serviceAccountName).toBe("skywalker");
  });

  it("give every role Redis, functions from configmaps and the token from a Secret", () => {
    for (const object of objects().filter((o) => o.kind === "Deployment")) {
      const container = podOf(object).containers[0]!;
      const env = Object.fromEntries((container.env ?? []).map((entry) => [entry.name, entry]));
      expect(env.REDIS_URL?.value, object.metadata.name).toBe("redis://skywalker-redis:6379");
      expect(env.SKYWALKER_SOURCE?.value).toBe("configmap");
      expect(env.SKYWALKER_TOKEN?.valueFrom?.secretKeyRef).toEqual({ name: "skywalker-api-token", key: "token" });
      expect(container.args).toEqual(["start", "--role", object.metadata.name.replace("skywalker-", "")]);
    }
  });

  it("run two executors with probes on 5100 and a grace period longer than the drain time", () => {
    const executor = objects().find((o) => o.kind === "Deployment" && o.metadata.name === "skywalker-executor")!;
    expect((executor.spec as { replicas: number }).replicas).toBe(2);
    const pod = podOf(executor);
    const container = pod.containers[0]!;
    const drainMs = Number(container.env?.find((entry) => entry.name === "SKYWALKER_DRAIN_MS")?.value);
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(drainMs);
    expect(container.ports).toEqual([{ name: "probes", containerPort: 5100 }]);
    expect(container.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "probes" });
    expect(container.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "probes" });
  });

  it("ship a KEDA example, outside the base, that scales executors on the queue's wait list", () => {
    const [scaled] = loadAllYaml(readFileSync(`${repo}k8s/extras/keda-scaledobject.yaml`, "utf8")) as { kind: string; spec: { scaleTargetRef: { name: string }; triggers: { type: string; metadata: Record<string, string> }[] } }[];
    expect(scaled?.kind).toBe("ScaledObject");
    expect(scaled?.spec.scaleTargetRef.name).toBe("skywalker-executor");
    expect(scaled?.spec.triggers[0]).toMatchObject({ type: "redis", metadata: { listName: "skywalker:runs:wait" } });
    expect(objects().some((o) => o.kind === "ScaledObject")).toBe(false);
  });
});
