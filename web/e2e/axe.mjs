// axe-core (from the npm registry, web/node_modules) injected into a page of the app: the
// WCAG 2.1 A/AA rules and axe's best practices; what is serious or critical fails the check.
import { createRequire } from 'node:module';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const FAILING_IMPACTS = ['serious', 'critical'];

/** The serious and critical violations of the page as it is now, each said on one line. */
export async function violations(page, where) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] }),
  );
  return result.violations
    .filter((v) => FAILING_IMPACTS.includes(v.impact))
    .flatMap((v) => v.nodes.map((n) => `${where}: ${v.impact} ${v.id} (${v.help}) at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`));
}
