import { render, screen, within } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider, createMemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { routes, makeQueryClient } from "../App";
import { setToken } from "../auth";
import pilotsDocument from "../../openapi/pilots.json";
import i18n from "../i18n";
import { ITEMS } from "./MyWork";

const COUNTS = {
  tasks_due_today: 3,
  tasks_overdue: 1,
  tasks_open: 12,
  idle_cases: 2,
  new_referrals: 1234,
  responsible_cases: 7,
};

function answer(status: number, body: unknown): Response {
  const type = status < 400 ? "application/json" : "application/problem+json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

function show(path = "/") {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}

describe("My work", () => {
  let fetchMock: ReturnType<typeof vi.fn<(request: Request) => Promise<Response>>>;

  beforeEach(async () => {
    fetchMock = vi.fn<(request: Request) => Promise<Response>>(async () => answer(200, COUNTS));
    vi.stubGlobal("fetch", fetchMock);
    await i18n.changeLanguage("fi");
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows each count of GET /api/pilots/v1/my-work as a link to its list", async () => {
    setToken("a-test-token");
    show();
    const list = await screen.findByRole("list", { name: "Oma työ" });
    const links = within(list).getAllByRole("link");
    expect(links.map((link) => [link.textContent, link.getAttribute("href")])).toEqual([
      ["Tänään erääntyvät tehtävät: 3", "/tasks?assigned=me&due=today"],
      ["Myöhässä olevat tehtävät: 1", "/tasks?assigned=me&overdue=true"],
      ["Avoimet tehtäväni: 12", "/tasks?assigned=me&open=true"],
      ["Hiljentyneet asiakkuudet, joista vastaan: 2", "/cases?responsible=me&idle=true"],
      [`Uudet ohjaukset: ${new Intl.NumberFormat("fi").format(1234)}`, "/cases?state=referred"],
      ["Avoimet asiakkuudet, joista vastaan: 7", "/cases?responsible=me&open=true"],
    ]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const request = fetchMock.mock.calls[0]![0];
    expect(new URL(request.url).pathname).toBe("/api/pilots/v1/my-work");
    expect(request.method).toBe("GET");
    expect(request.headers.get("Authorization")).toBe("Bearer a-test-token");
  });

  it("is in Swedish with <html lang> following", async () => {
    await i18n.changeLanguage("sv");
    show();
    expect(await screen.findByRole("heading", { level: 1, name: "Mitt arbete" })).toBeTruthy();
    expect(await screen.findByRole("link", { name: "Uppgifter som förfaller i dag: 3" })).toBeTruthy();
    expect(document.documentElement.lang).toBe("sv");
  });

  it("says so when the API refuses the caller", async () => {
    fetchMock.mockImplementation(async () => answer(403, { status: 403, title: "Forbidden" }));
    show();
    expect(await screen.findByText("Sinulla ei ole oikeutta nähdä tätä sivua.")).toBeTruthy();
    expect(screen.queryByRole("list")).toBeNull();
    expect(fetchMock).toHaveBeenCalledTimes(1); // a refusal is not retried
  });

  it("has a skip link to the main landmark", async () => {
    show();
    const skip = await screen.findByRole("link", { name: "Siirry sisältöön" });
    const main = screen.getByRole("main");
    expect(skip.getAttribute("href")).toBe(`#${main.id}`);
  });
});

describe("the counts' links", () => {
  it("go where the API documents each count's list", () => {
    const documented = pilotsDocument.components.schemas.MyWork.properties;
    expect(Object.fromEntries(ITEMS.map((item) => [item.count, item.href]))).toEqual(
      Object.fromEntries(Object.entries(documented).map(([count, schema]) => [count, schema.description])),
    );
  });
});

describe("an address that is no screen", () => {
  it("shows the not-found page", async () => {
    vi.stubGlobal("fetch", vi.fn());
    show("/no/such/screen");
    expect(await screen.findByRole("heading", { level: 1, name: "Sivua ei löytynyt" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Etusivulle" }).getAttribute("href")).toBe("/");
    vi.unstubAllGlobals();
  });
});
