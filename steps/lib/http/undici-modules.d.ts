// undici's pool and request modules, imported by path so its index (fetch, WebSocket, caches) is not evaluated;
// steps/lib/http/undici.ts types what it takes from them.
declare module 'undici/lib/dispatcher/agent.js' {
  const Agent: unknown;
  export default Agent;
}
declare module 'undici/lib/api/api-request.js' {
  const request: unknown;
  export default request;
}
