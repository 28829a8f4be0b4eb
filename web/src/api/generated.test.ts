// @vitest-environment node
// The checked-in types are what openapi-typescript makes of the checked-in OpenAPI documents
// (tests/unit/test_web_generated.py checks the documents against the apps): `make web-api`.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { SERVICES, types, typesPath } from "../../scripts/api-types.mjs";

describe("generated API types", () => {
  it.each(SERVICES)("web/src/api/%s.d.ts is up to date", async (service) => {
    const current = await readFile(typesPath(service), "utf8");
    expect(current === (await types(service)), `web/src/api/${service}.d.ts is stale: run make web-api`).toBe(true);
  });
});
