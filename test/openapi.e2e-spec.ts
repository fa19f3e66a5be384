import { TestTomo } from './support/tomo-harness';

const PUBLIC_OPERATIONS = [
  'POST /api/v1/auth/login',
  'POST /api/v1/setup',
  'GET /api/v1/system/version',
  'GET /health',
  'GET /health/ready',
];

describe('OpenAPI document and Swagger UI', () => {
  let tomo: TestTomo;
  beforeAll(async () => {
    tomo = await TestTomo.start();
  });
  afterAll(() => tomo.stop());

  it('is OpenAPI 3.1, deterministic, and stable (snapshot)', async () => {
    const first = await tomo.request('GET', '/api/openapi.json');
    const second = await tomo.request('GET', '/api/openapi.json');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/application\/json/);
    expect(JSON.stringify(second.body)).toBe(JSON.stringify(first.body));
    expect(first.body.openapi).toBe('3.1.0');
    expect({ ...first.body, info: { ...first.body.info, version: '<version>' } }).toMatchSnapshot();
  });

  it('declares bearer security on every operation except the public ones', async () => {
    const { body } = await tomo.request('GET', '/api/openapi.json');
    for (const [path, item] of Object.entries<Record<string, { security?: unknown[] }>>(
      body.paths,
    )) {
      for (const [method, operation] of Object.entries(item)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (PUBLIC_OPERATIONS.includes(key))
          expect({ key, security: operation.security }).toEqual({ key, security: undefined });
        else
          expect({ key, security: operation.security }).toEqual({
            key,
            security: [{ bearer: [] }],
          });
      }
    }
  });

  it('documents request bodies from the same DTOs that validate them', async () => {
    const { body } = await tomo.request('GET', '/api/openapi.json');
    const createUser = body.components.schemas.CreateUserDto;
    expect(createUser.required).toEqual(expect.arrayContaining(['username', 'password', 'role']));
    expect(createUser.properties.role.enum).toEqual(['readonly', 'user', 'admin']);
    expect(
      body.paths['/api/v1/users'].get.parameters.map((p: { name: string }) => p.name).sort(),
    ).toEqual(['limit', 'offset']);
  });

  it('serves Swagger UI at /api/docs', async () => {
    const response = await fetch(`${tomo.url}/api/docs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger');
  });
});
