import { describe, expect, it } from "vitest";
import { ROUTES, routeLink, routerPath } from "./routes";

describe("the route table from shared/ui_routes.py", () => {
  it("has the screens the notification links go to", () => {
    expect(Object.keys(ROUTES)).toEqual(expect.arrayContaining(["my_work", "cases", "case", "tasks", "inbox"]));
    expect(routerPath("case_task")).toBe("/cases/:case_id/tasks/:task_id");
  });

  it("builds links with only the query parameters a route takes", () => {
    expect(routeLink("tasks", { assigned: "me", due: "today" })).toBe("/tasks?assigned=me&due=today");
    expect(routeLink("case", {}, { case_id: "a/b" })).toBe("/cases/a%2Fb");
    expect(() => routeLink("tasks", { assignee: "me" })).toThrow(/no query parameter assignee/);
    expect(() => routeLink("case")).toThrow(/needs case_id/);
  });
});
