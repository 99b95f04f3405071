// A stand-in Elasticsearch client, shared by any function that imports "fake-elasticsearch".
export class FakeElasticsearch {
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  search(index: string, query: unknown): { hits: unknown[] } {
    console.log(`[fake-elasticsearch] connected to ${this.url}`);
    console.log(`[fake-elasticsearch] searched ${index} for`, query);
    return { hits: [] };
  }
}
