// A real DNS server on loopback UDP for tests: answers CNAME queries from a table, NXDOMAIN for
// unknown names, SERVFAIL or silence where asked.
import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import dnsPacket from "dns-packet";

const RCODE = { SERVFAIL: 2, NXDOMAIN: 3 } as const;

export interface DnsServerOptions {
  /** name → CNAME target */
  cname?: Record<string, string>;
  /** names that exist but have no CNAME (NOERROR, no answer) */
  noData?: string[];
  servfail?: string[];
  /** names the server never answers */
  silent?: string[];
}

export interface DnsServer {
  /** "127.0.0.1:PORT" for Resolver.setServers */
  address: string;
  queries: string[];
  close(): Promise<void>;
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const socket = createSocket("udp4");
  const queries: string[] = [];
  const lower = (name: string) => name.toLowerCase().replace(/\.$/, "");
  const cname = new Map(Object.entries(options.cname ?? {}).map(([name, target]) => [lower(name), target]));
  socket.on("message", (message, remote) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (question === undefined) return;
    const name = lower(question.name);
    queries.push(`${question.type} ${name}`);
    if (options.silent?.map(lower).includes(name)) return;
    // dns-packet encodes the response code only as the low bits of `flags`.
    const flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;
    const base = { id: query.id, type: "response" as const, flags, questions: [question] };
    let reply: dnsPacket.Packet;
    if (options.servfail?.map(lower).includes(name)) reply = { ...base, flags: flags | RCODE.SERVFAIL };
    else if (cname.has(name) && question.type === "CNAME") {
      reply = { ...base, answers: [{ type: "CNAME", class: "IN", name: question.name, ttl: 5, data: cname.get(name)! }] };
    } else if (cname.has(name) || options.noData?.map(lower).includes(name) || [...cname.values()].map(lower).includes(name)) reply = { ...base, answers: [] };
    else reply = { ...base, flags: flags | RCODE.NXDOMAIN };
    socket.send(dnsPacket.encode(reply), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, queries, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
