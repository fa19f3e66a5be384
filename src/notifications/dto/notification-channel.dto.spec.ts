import { dtoJsonSchema } from '../../common/validation/json-schema';
import { validateDto } from '../../common/validation/validate-dto';
import { CreateChannelDto, UpdateChannelDto } from './notification-channel.dto';

const base = { name: 'ops', kind: 'webhook', url: 'https://hooks.example/x' };

describe('notification channel input', () => {
  it('event_types: a list of known types, or null for every type', async () => {
    await expect(
      validateDto(CreateChannelDto, { ...base, event_types: ['app.failed', 'backup.failed'] }),
    ).resolves.toMatchObject({ event_types: ['app.failed', 'backup.failed'] });
    await expect(
      validateDto(UpdateChannelDto, {
        channel_id: '0b6f4f8e-8f5b-4a8e-9c55-1d2c3b4a5f60',
        event_types: null,
      }),
    ).resolves.toMatchObject({ event_types: null });
    await expect(
      validateDto(CreateChannelDto, { ...base, event_types: ['app.exploded'] }),
    ).rejects.toThrow(/event_types/);
    const schema = dtoJsonSchema(UpdateChannelDto).properties as Record<string, any>;
    expect(schema.event_types.type).toEqual(['array', 'null']);
  });

  it('refuses null where a value must be given, and unknown fields', async () => {
    await expect(validateDto(CreateChannelDto, { ...base, enabled: null })).rejects.toThrow(
      /enabled/,
    );
    await expect(validateDto(CreateChannelDto, { ...base, password: 'x' })).rejects.toThrow(
      /password/,
    );
  });
});
