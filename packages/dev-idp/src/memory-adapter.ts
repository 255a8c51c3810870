import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/**
 * oidc-provider's storage, in memory, one instance per provider (the library's own MemoryAdapter is
 * process-global). Owning it lets the provider add clients after start (a console whose port is only
 * known once it listens).
 */
export class MemoryStore {
  private readonly entries = new Map<string, Entry>();

  private get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  adapter(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        this.entries.set(key(id), {
          payload,
          expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
        });
        if (payload.grantId) {
          const grantKey = `grant:${payload.grantId}`;
          const ids = (this.entries.get(grantKey)?.payload.ids as string[] | undefined) ?? [];
          this.entries.set(grantKey, { payload: { ids: [...ids, key(id)] }, expiresAt: undefined });
        }
        if (payload.userCode)
          this.entries.set(`userCode:${payload.userCode}`, { payload: { id }, expiresAt: undefined });
        if (payload.uid)
          this.entries.set(`uid:${model}:${payload.uid}`, { payload: { id }, expiresAt: undefined });
      },
      find: async (id) => this.get(key(id))?.payload,
      findByUserCode: async (userCode) => {
        const id = this.get(`userCode:${userCode}`)?.payload.id as string | undefined;
        return id === undefined ? undefined : this.get(key(id))?.payload;
      },
      findByUid: async (uid) => {
        const id = this.get(`uid:${model}:${uid}`)?.payload.id as string | undefined;
        return id === undefined ? undefined : this.get(key(id))?.payload;
      },
      consume: async (id) => {
        const entry = this.get(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.entries.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        const grantKey = `grant:${grantId}`;
        for (const k of (this.entries.get(grantKey)?.payload.ids as string[] | undefined) ?? [])
          this.entries.delete(k);
        this.entries.delete(grantKey);
      },
    };
  }
}
