import { IsInt, IsOptional, IsString } from 'class-validator';
import { DomainError } from '../errors/domain-error';
import { EmptyDto } from '../dto/empty.dto';
import { validateDto } from './validate-dto';

class SampleDto {
  @IsString()
  name!: string;

  @IsOptional()
  @IsInt()
  count?: number;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return error instanceof DomainError ? error.code : 'THREW';
  }
}

describe('validateDto', () => {
  it('accepts a valid object and returns a DTO instance', async () => {
    const dto = await validateDto(SampleDto, { name: 'a', count: 2 });
    expect(dto).toBeInstanceOf(SampleDto);
    expect(dto).toEqual({ name: 'a', count: 2 });
  });

  it.each([
    ['a missing field', {}],
    ['a wrong type', { name: 5 }],
    ['an unknown field', { name: 'a', role: 'admin' }],
    ['an array', [1]],
    ['a string', 'name'],
  ])('refuses %s with VALIDATION_FAILED', async (_label, input) => {
    expect(await codeOf(validateDto(SampleDto, input))).toBe('VALIDATION_FAILED');
  });

  it('accepts no arguments for an operation without input', async () => {
    expect(await codeOf(validateDto(EmptyDto, undefined))).toBe('OK');
    expect(await codeOf(validateDto(EmptyDto, {}))).toBe('OK');
  });

  it('refuses unknown fields for an operation without input', async () => {
    expect(await codeOf(validateDto(EmptyDto, { unexpected: 1 }))).toBe('VALIDATION_FAILED');
  });
});
