// Reads a Prometheus histogram out of a /metrics page, summed over all its label sets, and
// estimates quantiles from its buckets the way PromQL's histogram_quantile does.

/** Cumulative count per bucket upper bound (`le`), summed over every other label. */
export type Buckets = Map<number, number>;

export function histogramBuckets(text: string, name: string): Buckets {
  const buckets: Buckets = new Map();
  const pattern = new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, "gm");
  for (const match of text.matchAll(pattern)) {
    const le = /le="([^"]+)"/.exec(match[1]!)?.[1];
    if (le === undefined) continue;
    const bound = le === "+Inf" ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** a − b, bucket by bucket (observations between two scrapes). */
export function subtractBuckets(a: Buckets, b: Buckets): Buckets {
  return new Map([...a].map(([le, count]) => [le, count - (b.get(le) ?? 0)]));
}

export function addBuckets(a: Buckets, b: Buckets): Buckets {
  const sum = new Map(a);
  for (const [le, count] of b) sum.set(le, (sum.get(le) ?? 0) + count);
  return sum;
}

export function bucketTotal(buckets: Buckets): number {
  return buckets.get(Infinity) ?? 0;
}

/** Linear interpolation inside the bucket that holds the quantile (histogram_quantile). */
export function bucketQuantile(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((x, y) => x - y);
  const total = bucketTotal(buckets);
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound)!;
    if (count >= rank) {
      if (bound === Infinity) return lower;
      return lower + ((bound - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = bound;
    below = count;
  }
  return lower;
}
