import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";
import "../i18n";

// findBy… polls until this deadline: a lazy screen's first import is slow on a busy 2-core machine.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  globalThis.sessionStorage?.clear();
});
