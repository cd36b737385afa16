import { handSetHeadersProfile } from '../profiles.js';
import type { FrameworkProfile } from '../types.js';

/**
 * Hosting platforms and frameworks that add fixed response headers to the paths a config names:
 * Vercel `headers`, Netlify `[[headers]]`, Next.js `headers()`. They send exactly the values
 * written (no Origin comparison, no Vary of their own) and do not answer OPTIONS themselves: the
 * function, page or static file behind the path does.
 */
const platform = (id: string, name: string, docs: string): FrameworkProfile => ({ ...handSetHeadersProfile, id, name, varyOrigin: 'by-config', docs });

export const vercelHeadersProfile = platform('vercel-headers', 'Vercel headers (vercel.json)', 'https://vercel.com/docs/project-configuration#headers');
export const firebaseHeadersProfile = platform('firebase-headers', 'Firebase Hosting headers (firebase.json)', 'https://firebase.google.com/docs/hosting/full-config#headers');
export const azureStaticWebAppsHeadersProfile = platform('azure-static-web-apps-headers', 'Azure Static Web Apps headers (staticwebapp.config.json)', 'https://learn.microsoft.com/en-us/azure/static-web-apps/configuration#global-headers');
export const appEngineHeadersProfile = platform('app-engine-headers', 'Google App Engine http_headers (app.yaml)', 'https://cloud.google.com/appengine/docs/standard/reference/app-yaml#handlers_http_headers');
export const netlifyHeadersProfile = platform('netlify-headers', 'Netlify headers (netlify.toml)', 'https://docs.netlify.com/routing/headers/');
export const nextHeadersProfile = platform('nextjs-headers', 'Next.js headers() (next.config)', 'https://nextjs.org/docs/app/api-reference/config/next-config-js/headers');
