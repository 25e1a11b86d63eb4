// A TypeScript function: `npm run build` (tsc, a dev dependency) compiles it into dist/.
interface Request {
  path: string;
  method: string;
  query: Record<string, string | undefined>;
  body: { name?: string };
}
interface Response {
  status(code: number): Response;
  type(contentType: string): Response;
  json(value: unknown): Response;
  send(body: string): Response;
}

const greeting = (name: string | undefined): string => `Hello, ${name ?? 'TypeScript'}!`;

export async function typed(req: Request, res: Response): Promise<void> {
  if (req.path === '/throw') throw new Error('nodejs-typescript was asked to throw');
  if (req.path === '/slow') {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    res.type('text/plain').send('typed and slow\n');
    return;
  }
  if (req.method === 'POST') {
    res.status(201).json({ greeting: greeting(req.body.name) });
    return;
  }
  res.type('text/plain; charset=utf-8').send(`${greeting(req.query.name)}\n`);
}
