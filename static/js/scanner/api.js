/* The JSON API client of the door scanner.
 *
 * The API accepts the signed-in page when the request carries the page's CSRF token in
 * X-CSRFToken. A page served from the offline cache carries an old token: on a 401 the client
 * fetches a fresh one once and repeats the request.
 */

export class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NetworkError';
  }
}

/* {api, errorMessage}: api(method, url, options) resolves {status, ok, data} for any HTTP
   answer and rejects with NetworkError when there is none (offline, timed out). */
export function createClient(config) {
  const S = config.strings;
  const urls = config.urls;
  const lang = document.documentElement.lang || 'th';
  let csrfToken = config.csrfToken;

  function refreshCsrf() {
    return fetch(urls.csrf, {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }
    }).then(function (response) {
      if (!response.ok || response.redirected) return false;
      return response.json().then(function (data) {
        if (!data || !data.csrf_token) return false;
        csrfToken = data.csrf_token;
        return true;
      });
    }).catch(function () { return false; });
  }

  function api(method, url, options, retried) {
    options = options || {};
    const headers = { 'X-CSRFToken': csrfToken, Accept: 'application/json', 'Accept-Language': lang };
    let body = options.body;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.contentType) {
      headers['Content-Type'] = options.contentType;
    }
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, options.timeout || 8000);
    return fetch(url, {
      method: method, headers: headers, body: body, credentials: 'same-origin', cache: 'no-store',
      signal: controller.signal
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        clearTimeout(timer);
        if (response.status === 401 && !retried) {
          return refreshCsrf().then(function (fresh) {
            return fresh ? api(method, url, options, true)
              : { status: response.status, ok: false, data: data };
          });
        }
        return { status: response.status, ok: response.ok, data: data };
      });
    }, function (error) {
      clearTimeout(timer);
      throw new NetworkError(String(error && error.message));
    });
  }

  function errorMessage(res) {
    const error = res && res.data && res.data.error;
    if (res && res.status === 401) return S.signedOut;
    return (error && error.message) || S.error;
  }

  return { api: api, errorMessage: errorMessage };
}
