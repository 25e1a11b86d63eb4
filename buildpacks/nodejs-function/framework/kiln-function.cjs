'use strict';
// kiln's Node.js function server: node:http and nothing else, so a function without
// dependencies needs no registry. kiln/nodejs-function embeds this file and writes it into a
// launch layer; the image runs `node kiln-function.cjs MODULE TARGET SIGNATURE`.
//
// It serves functions written for Google Cloud Functions unchanged:
// - `http`: fn(req, res) with the part of Express functions use (req.body, rawBody, query,
//   path, get(); res.status(), set()/header(), send(), json(), end(), sendStatus(), redirect());
// - `cloudevent`: fn(cloudEvent), from binary or structured HTTP mode; its result answers as
//   Google's framework does (undefined or null: 204; a value: 200 with it).
// A throw or a rejected promise answers 500 and is logged with its stack; the server goes on.
// Where it listens and how it stops: listen.cjs. KILN_BODY_LIMIT caps request bodies (bytes, or with kb/mb; default
// 32mb): a bigger one answers 413.

const http = require('node:http');
const { pathToFileURL } = require('node:url');
const { listen } = require('./listen.cjs');

const DEFAULT_BODY_LIMIT = '32mb';

function parseByteSize(text) {
  const match = /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!match) {
    throw new Error(`KILN_BODY_LIMIT is \`${text}\`: write a size in bytes, or with kb, mb or gb (e.g. 10mb)`);
  }
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] || 'b').toLowerCase()];
  return Number(match[1]) * unit;
}

// --- requests -----------------------------------------------------------------------------

class FunctionRequest extends http.IncomingMessage {
  get path() {
    const query = this.url.indexOf('?');
    return query === -1 ? this.url : this.url.slice(0, query);
  }

  get query() {
    if (this._query === undefined) {
      const start = this.url.indexOf('?');
      this._query = start === -1 ? {} : searchParamsObject(new URLSearchParams(this.url.slice(start + 1)));
    }
    return this._query;
  }

  get(name) {
    const lower = name.toLowerCase();
    if (lower === 'referer' || lower === 'referrer') {
      return this.headers.referer || this.headers.referrer;
    }
    return this.headers[lower];
  }

  header(name) {
    return this.get(name);
  }
}

// Repeated keys become arrays, as Express's query parser makes them.
function searchParamsObject(params) {
  const result = {};
  for (const [key, value] of params) {
    const previous = result[key];
    if (previous === undefined) {
      result[key] = value;
    } else if (Array.isArray(previous)) {
      previous.push(value);
    } else {
      result[key] = [previous, value];
    }
  }
  return result;
}

function mediaType(contentType) {
  if (!contentType) return '';
  const end = contentType.indexOf(';');
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

function isJson(type) {
  return type === 'application/json' || type.endsWith('+json');
}

// The body as Google's framework parses it: JSON, text and urlencoded are parsed, anything
// else stays a Buffer; no body is `{}`. Throws a 400 for JSON that does not parse.
function parseBody(type, raw) {
  if (raw.length === 0) return {};
  if (isJson(type)) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new HttpError(400, `Invalid JSON body: ${error.message}`);
    }
  }
  if (type.startsWith('text/')) return raw.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return searchParamsObject(new URLSearchParams(raw.toString('utf8')));
  return raw;
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Reads the whole body, or fails with 413 as soon as it grows past `limit`.
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      reject(new HttpError(413, `The request body is over the limit of ${limit} bytes (KILN_BODY_LIMIT)`));
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new HttpError(413, `The request body is over the limit of ${limit} bytes (KILN_BODY_LIMIT)`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function hasBody(req) {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] || '0') !== '0';
}

// --- responses ----------------------------------------------------------------------------

class FunctionResponse extends http.ServerResponse {
  status(code) {
    this.statusCode = code;
    return this;
  }

  set(field, value) {
    if (typeof field === 'object') {
      for (const name of Object.keys(field)) this.setHeader(name, field[name]);
    } else {
      this.setHeader(field, value);
    }
    return this;
  }

  header(field, value) {
    return this.set(field, value);
  }

  get(field) {
    return this.getHeader(field);
  }

  type(contentType) {
    return this.set('Content-Type', contentType.includes('/') ? contentType : `application/${contentType}`);
  }

  send(body) {
    if (body === undefined || body === null) {
      this.end();
    } else if (typeof body === 'string') {
      if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'text/html; charset=utf-8');
      this.end(body);
    } else if (Buffer.isBuffer(body) || body instanceof Uint8Array) {
      if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'application/octet-stream');
      this.end(body);
    } else if (typeof body === 'object' || typeof body === 'number' || typeof body === 'boolean') {
      return this.json(body);
    } else {
      this.end(String(body));
    }
    return this;
  }

  json(value) {
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    this.end(JSON.stringify(value));
    return this;
  }

  sendStatus(code) {
    this.statusCode = code;
    this.setHeader('Content-Type', 'text/plain; charset=utf-8');
    this.end(http.STATUS_CODES[code] || String(code));
    return this;
  }

  redirect(statusOrUrl, maybeUrl) {
    const [status, url] = maybeUrl === undefined ? [302, statusOrUrl] : [statusOrUrl, maybeUrl];
    this.statusCode = status;
    this.setHeader('Location', url);
    this.setHeader('Content-Type', 'text/plain; charset=utf-8');
    this.end(`${http.STATUS_CODES[status] || 'Redirecting'}. Redirecting to ${url}`);
    return this;
  }
}

// A failure after the function may have started answering: its status stands if it was sent.
function answerFailure(res, status, message) {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(message);
}

// --- signatures ---------------------------------------------------------------------------

function httpHandler(fn, target, limit) {
  const failed = (req, res) => (error) => {
    console.error(`The function ${target} threw serving ${req.method} ${req.path}: ${describe(error)}`);
    answerFailure(res, 500, `Internal Server Error: the function ${target} failed (see the logs)`);
  };
  const invoke = (req, res) => {
    let result;
    try {
      result = fn(req, res);
    } catch (error) {
      failed(req, res)(error);
      return;
    }
    if (result && typeof result.then === 'function') result.then(undefined, failed(req, res));
  };
  return (req, res) => {
    req.rawBody = undefined;
    if (!hasBody(req)) {
      req.body = {};
      invoke(req, res);
      return;
    }
    readBody(req, limit).then(
      (raw) => {
        req.rawBody = raw;
        req.body = parseBody(mediaType(req.headers['content-type']), raw);
        invoke(req, res);
      },
      (error) => rejectRequest(req, res, error),
    );
  };
}

function rejectRequest(req, res, error) {
  const status = error instanceof HttpError ? error.status : 400;
  if (status === 413) res.setHeader('Connection', 'close');
  answerFailure(res, status, error.message);
}

const REQUIRED_ATTRIBUTES = ['specversion', 'id', 'source', 'type'];

// The CloudEvent of a request, in binary mode (ce-* headers, data in the body) or structured
// mode (application/cloudevents+json); throws the status to answer otherwise.
function parseCloudEvent(req, raw) {
  const type = mediaType(req.headers['content-type']);
  let event;
  if (type === 'application/cloudevents-batch+json') {
    throw new HttpError(415, 'Batched CloudEvents are not supported: send one event per request');
  } else if (type === 'application/cloudevents+json') {
    try {
      event = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new HttpError(400, `Invalid structured CloudEvent: ${error.message}`);
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      throw new HttpError(400, 'Invalid structured CloudEvent: the body is no JSON object');
    }
    if (event.data_base64 !== undefined) {
      event.data = Buffer.from(event.data_base64, 'base64');
      delete event.data_base64;
    }
  } else {
    event = {};
    for (const name of Object.keys(req.headers)) {
      if (name.startsWith('ce-')) event[name.slice(3)] = decodeURIComponentSafe(req.headers[name]);
    }
    if (Object.keys(event).length === 0) {
      throw new HttpError(415, 'The request holds no CloudEvent: send ce-* headers (binary mode) or application/cloudevents+json');
    }
    if (type) event.datacontenttype = req.headers['content-type'];
    if (raw.length > 0) event.data = isJson(type) || type.startsWith('text/') ? parseBody(type, raw) : raw;
  }
  const missing = REQUIRED_ATTRIBUTES.filter((name) => typeof event[name] !== 'string' || event[name] === '');
  if (missing.length > 0) {
    throw new HttpError(400, `Invalid CloudEvent: it has no ${missing.join(', ')}`);
  }
  return event;
}

function decodeURIComponentSafe(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function cloudEventHandler(fn, target, limit) {
  return (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      answerFailure(res, 405, 'CloudEvents are POSTed');
      return;
    }
    readBody(req, limit)
      .then((raw) => parseCloudEvent(req, raw))
      .then(
        (event) =>
          Promise.resolve()
            .then(() => fn(event))
            .then(
              (result) => sendResult(res, result),
              (error) => {
                console.error(`The function ${target} failed on event ${event.id}: ${describe(error)}`);
                answerFailure(res, 500, '');
              },
            ),
        (error) => rejectRequest(req, res, error),
      );
  };
}

// As Google's framework answers a CloudEvent function's result (its invoker's sendResponse).
function sendResult(res, result) {
  if (res.headersSent || res.writableEnded) return;
  if (result === undefined || result === null) {
    res.statusCode = 204;
    res.end();
  } else if (typeof result === 'number') {
    res.json(result);
  } else {
    res.send(result);
  }
}

function describe(error) {
  return (error && error.stack) || String(error);
}

// --- the server ---------------------------------------------------------------------------

async function loadFunction(modulePath, target) {
  const module = await import(pathToFileURL(modulePath).href);
  const fn = module[target] ?? module.default?.[target];
  if (typeof fn !== 'function') {
    throw new Error(`${modulePath} exports no function \`${target}\``);
  }
  return fn;
}

async function main() {
  const [modulePath, target, signature] = process.argv.slice(2);
  const limit = parseByteSize(process.env.KILN_BODY_LIMIT || DEFAULT_BODY_LIMIT);
  const fn = await loadFunction(modulePath, target);
  const handle = signature === 'cloudevent' ? cloudEventHandler(fn, target, limit) : httpHandler(fn, target, limit);
  const server = http.createServer({ IncomingMessage: FunctionRequest, ServerResponse: FunctionResponse }, (req, res) => {
    // Browsers ask for these on their own; they should not invoke the function (as in
    // Google's Functions Framework).
    if (req.url === '/favicon.ico' || req.url === '/robots.txt') {
      res.statusCode = 404;
      res.end();
      return;
    }
    handle(req, res);
  });
  // A rejection the function did not wait for is logged; it must not stop the server.
  process.on('unhandledRejection', (reason) => console.error(`Unhandled rejection: ${describe(reason)}`));

  listen(server, `the ${signature} function ${target}`);
}

main().catch((error) => {
  console.error(`Cannot start the function: ${describe(error)}`);
  process.exit(1);
});
