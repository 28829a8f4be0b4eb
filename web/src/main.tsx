import "@fontsource/source-sans-3/300.css";
import "@fontsource/source-sans-3/400.css";
import "@fontsource/source-sans-3/600.css";
import "./global.css";
import "./i18n";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import App, { makeQueryClient } from "./App";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App queryClient={makeQueryClient()} />
  </StrictMode>,
);
