// The UI's routes, generated from shared/ui_routes.py (`make web-api` writes routes.json): the
// same table the notification rules build their links from.
import table from "./routes.json";

export interface UiRoute {
  name: string;
  path: string;
  query: readonly string[];
  service: string;
  api: string;
  api_names: readonly (readonly [string, string])[];
}

export const ROUTES: Readonly<Record<string, UiRoute>> = Object.fromEntries(
  (table as unknown as UiRoute[]).map((route) => [route.name, route]),
);

function route(name: string): UiRoute {
  const found = ROUTES[name];
  if (!found) throw new Error(`no UI route ${name}`);
  return found;
}

/** A route's path in react-router's form (`{case_id}` → `:case_id`). */
export function routerPath(name: string): string {
  return route(name).path.replace(/\{(\w+)\}/g, ":$1");
}

/** A link to route `name`: its placeholders filled from `params`, and `query` — each name one the
 * route takes (an Error otherwise, like `template` in shared/ui_routes.py). */
export function routeLink(
  name: string,
  query: Readonly<Record<string, string>> = {},
  params: Readonly<Record<string, string>> = {},
): string {
  const found = route(name);
  const unknown = Object.keys(query).filter((key) => !found.query.includes(key));
  if (unknown.length) throw new Error(`route ${name} takes no query parameter ${unknown.join(", ")}`);
  const path = found.path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`route ${name} needs ${key}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}
