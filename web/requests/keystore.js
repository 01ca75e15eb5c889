// keystore.js — keeps a signed-in requester's private key in this browser, sealed under a non-extractable WebCrypto key, instead of in a private link.
// IndexedDB database "zkshare-requester-keys", object store "keys", one record per request:
//   { id, user, expiresAt, wrappingKey, iv, sealed }
// wrappingKey is an AES-GCM-256 CryptoKey made with extractable = false (no script can export
// it); sealed = AES-GCM(wrappingKey, iv, the private key as in the requester link, AAD
// "zkshare requester key v1" 0 id 0 user). Nothing of it is ever sent: the server sees the
// requester token derived from the key when the answer is read, as with the link.
const DB = 'zkshare-requester-keys';
const STORE = 'keys';
const encoder = new TextEncoder();

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the key store is open in an older page'));
  });
}

/** Runs `work(store)` in one transaction; resolves to its request's result once committed. */
async function transact(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('the key store refused the change'));
    });
  } finally {
    db.close();
  }
}

const aad = (id, user) => encoder.encode(`zkshare requester key v1\0${id}\0${user}`);

/** Seals `privateKey` (the requester link's fragment) for request `id` of user `user` and keeps
 * it until `expiresAt` (ISO 8601). Rejects when this browser cannot keep it. */
export async function keepKey(id, user, privateKey, expiresAt) {
  const wrappingKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(id, user) }, wrappingKey, encoder.encode(privateKey));
  await transact('readwrite', (store) => store.put({ id, user, expiresAt, wrappingKey, iv, sealed }));
}

/** The key kept for request `id`: null, or its user's id and `unseal()`, which resolves to the
 * private key and rejects when the record was altered. */
export async function keptKey(id) {
  const record = await transact('readonly', (store) => store.get(id));
  if (!record || typeof record.user !== 'string') return null;
  return {
    user: record.user,
    unseal: async () => {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: record.iv, additionalData: aad(id, record.user) }, record.wrappingKey, record.sealed);
      return new TextDecoder('utf-8', { fatal: true }).decode(plain);
    },
  };
}

/** Forgets the key of request `id` (read once, or the request is gone). Never rejects. */
export async function dropKey(id) {
  try {
    await transact('readwrite', (store) => store.delete(id));
  } catch (e) { /* nothing kept, or storage off */ }
}

/** Forgets the keys of requests that have expired (their answers are gone). Never rejects. */
export async function dropExpired(now = Date.now()) {
  try {
    await transact('readwrite', (store) => {
      const cursor = store.openCursor();
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at) return;
        if (!(Date.parse(at.value.expiresAt) > now)) at.delete();
        at.continue();
      };
      return null;
    });
  } catch (e) { /* storage off */ }
}
