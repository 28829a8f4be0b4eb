// One typed client per service, all on the UI's own origin: the gateway (and Vite's dev server)
// forwards /api/<service>/ to the service. Types come from web/openapi/ (make web-api).
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { getToken } from "../auth";
import type { paths as IntakePaths } from "./intake";
import type { paths as NotificationsPaths } from "./notifications";
import type { paths as PilotsPaths } from "./pilots";

export const API_BASE = {
  intake: "/api/intake",
  pilots: "/api/pilots",
  notifications: "/api/notifications",
} as const;

export type Service = keyof typeof API_BASE;

const bearer: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

function client<Paths extends {}>(service: Service): Client<Paths> {
  const made = createClient<Paths>({
    // Absolute on the page's own origin (a Request needs one outside a browser, as in the tests).
    baseUrl: `${globalThis.location?.origin ?? ""}${API_BASE[service]}`,
    // Looked up on each call, so that a test's stubbed fetch is the one used.
    fetch: (request: Request) => globalThis.fetch(request),
  });
  made.use(bearer);
  return made;
}

export const intake = client<IntakePaths>("intake");
export const pilots = client<PilotsPaths>("pilots");
export const notifications = client<NotificationsPaths>("notifications");

/** An API answer other than 2xx: its status, and the problem+json body when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: unknown,
  ) {
    super(`API answered ${status}`);
    this.name = "ApiError";
  }
}

/** The data of an openapi-fetch result, or an ApiError thrown (for TanStack Query). */
export function dataOf<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok || result.data === undefined) {
    throw new ApiError(result.response.status, result.error);
  }
  return result.data;
}
