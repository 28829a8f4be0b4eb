import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy } from "react";
import { type RouteObject, RouterProvider, createBrowserRouter } from "react-router";
import { ApiError } from "./api/clients";
import Layout from "./Layout";
import { routerPath } from "./routes";

// Each screen is its own chunk, loaded when its route is first shown.
const MyWork = lazy(() => import("./screens/MyWork"));
const NotFound = lazy(() => import("./screens/NotFound"));

/** The screens, at the paths of shared/ui_routes.py (routes.json). */
export const routes: RouteObject[] = [
  {
    element: <Layout />,
    children: [
      { path: routerPath("my_work"), element: <MyWork /> },
      { path: "*", element: <NotFound /> },
    ],
  },
];

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // A refusal (4xx) will not change by asking again; a failure may.
        retry: (failures, error) =>
          failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
    },
  });
}

export default function App({ queryClient }: { queryClient: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={createBrowserRouter(routes)} />
    </QueryClientProvider>
  );
}
