import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterDomLink, Outlet } from "react-router";
import { LanguageMenu, LanguageMenuItem, LoadingSpinner, RouterLink, SkipLink } from "suomifi-ui-components";
import styled from "styled-components";
import { LANGUAGES, isLanguage } from "./i18n";
import { routeLink } from "./routes";

const Header = styled.header`
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  justify-content: space-between;
  gap: 8px 24px;
  padding: 12px 16px;
  border-bottom: 1px solid #c8cdd0;
`;

const ServiceName = styled(RouterDomLink)`
  font-size: 22px;
  font-weight: 600;
  color: #222;
  text-decoration: none;
  &:focus-visible {
    outline: 3px solid #1a99c7;
    outline-offset: 2px;
  }
`;

const Tools = styled.div`
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 8px 24px;
`;

const Main = styled.main`
  max-width: 1120px;
  margin: 0 auto;
  padding: 24px 16px 48px;
  &:focus {
    outline: none;
  }
`;

export const MAIN_ID = "main";

/** The shell of every screen: skip link, header (service name, inbox, language), main landmark. */
export default function Layout() {
  const { t, i18n } = useTranslation();
  const current = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : "fi";
  const shown = t(`language.${current}`);
  return (
    <>
      <SkipLink href={`#${MAIN_ID}`}>{t("app.skipToContent")}</SkipLink>
      <Header>
        <ServiceName to={routeLink("my_work")}>{t("app.name")}</ServiceName>
        <Tools>
          {/* The inbox's unread count comes with the inbox screen. */}
          <RouterLink asComponent={RouterDomLink} to={routeLink("inbox")}>
            {t("app.inbox")}
          </RouterLink>
          <LanguageMenu buttonText={shown} aria-label={`${shown}, ${t("language.choose")}`}>
            {LANGUAGES.map((language) => (
              <LanguageMenuItem
                key={language}
                lang={language}
                selected={language === current}
                onSelect={() => void i18n.changeLanguage(language)}
              >
                {t(`language.${language}`)}
              </LanguageMenuItem>
            ))}
          </LanguageMenu>
        </Tools>
      </Header>
      <Main id={MAIN_ID} tabIndex={-1}>
        <Suspense fallback={<LoadingSpinner status="loading" text={t("app.loading")} />}>
          <Outlet />
        </Suspense>
      </Main>
    </>
  );
}
