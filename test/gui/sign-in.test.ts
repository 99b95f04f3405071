// With SKYWALKER_TOKEN set, in a real browser: the page asks for the token, works after sign-in
// through an HttpOnly SameSite=Strict cookie, refuses cross-site writes, and the API refuses
// callers without the token while Bearer keeps working for scripts.
import { describe, expect, it } from "vitest";
import { eventually, inPage, ticking, useGuiHarnesses } from "./gui-harness.ts";

const TOKEN = "correct-horse-battery-staple";
const open = useGuiHarnesses();

describe("chronomaster GUI: sign-in", () => {
  it("asks for the token, works after sign-in, and the API refuses without it", async () => {
    const h = await open({ ticker: ticking("ticker") }, { token: TOKEN });
    for (const path of ["/api/state", "/api/fleet", "/api/events", "/api/functions/ticker/runs", "/metrics"]) {
      const answer = await fetch(`${h.url}${path}`);
      expect(answer.status, path).toBe(401);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("ERR_UNAUTHORIZED");
    }
    expect((await fetch(`${h.url}/api/stop`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${h.url}/api/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);

    const page = await h.open();
    const form = page.locator("#signin");
    await form.waitFor();
    expect(await page.locator("#view-overview").isHidden()).toBe(true);
    expect(await page.locator("#controls").isHidden()).toBe(true);
    await page.getByLabel("Token").fill("wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.locator("#signin-error").textContent()).toContain("the token is wrong");

    await page.getByLabel("Token").fill(TOKEN);
    await page.getByLabel("Token").press("Enter");
    await page.locator('#functions tbody tr[data-item="ticker"]').waitFor();
    expect(await form.isHidden()).toBe(true);
    await page.locator("#state", { hasText: "running" }).waitFor();

    // the session is a cookie no script can read; the token is kept nowhere in the page
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: "skywalker_session", httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookie!.value).not.toContain(TOKEN);
    expect(await inPage(page, '[document.cookie, JSON.stringify(sessionStorage), JSON.stringify(localStorage)].join("|")')).not.toContain(TOKEN);

    // controls work with the session
    await page.getByRole("button", { name: "Stop" }).click();
    await page.locator("#state", { hasText: "stopped" }).waitFor();
    await page.getByRole("button", { name: "Start" }).click();
    await page.locator("#state", { hasText: "running" }).waitFor();

    // the cookie alone does not make a write: it needs the page's CSRF header and its own origin
    const session = `skywalker_session=${cookie!.value}`;
    expect((await fetch(`${h.url}/api/state`, { headers: { cookie: session } })).status).toBe(200);
    const bare = await fetch(`${h.url}/api/stop`, { method: "POST", headers: { cookie: session } });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe("ERR_CROSS_SITE");
    expect((await fetch(`${h.url}/api/stop`, { method: "POST", headers: { cookie: session, "x-skywalker-csrf": "1", origin: "http://evil.example" } })).status).toBe(403);
    expect((await fetch(`${h.url}/api/state`, { headers: { cookie: "skywalker_session=v1.99999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } })).status).toBe(401);
    expect(((await (await fetch(`${h.url}/api/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { state: string }).state).toBe("running");

    // a session that ends shows the form again at the next action; signing out does too
    await page.context().clearCookies();
    await page.getByRole("button", { name: "Stop" }).click();
    await form.waitFor();
    expect(await page.locator("#signin-error").textContent()).toContain("sign in again");
    await page.getByLabel("Token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await form.waitFor();
    expect(await page.context().cookies()).toEqual([]);
    await page.reload();
    await form.waitFor();
    expect(await page.locator("#state").textContent()).toBe("…");
  });
});
