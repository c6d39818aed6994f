import type { ProviderName } from '@platform/contracts';
import { providerConfigured, type AgentRunnerConfig } from '../config';
import type { ModelProvider } from './types';
import { AnthropicProvider } from './anthropic';
import { OpenAiProvider } from './openai';
import { OfflineProvider } from './offline';

/** The providers this instance can call, the default one, and each one's default model. */
export interface ProviderRegistry {
  readonly defaultProvider: ProviderName;
  /** The provider, or undefined when it is not configured here (no key). */
  get(name: ProviderName): ModelProvider | undefined;
  defaultModel(name: ProviderName): string;
}

type ProviderConfig = Pick<
  AgentRunnerConfig,
  | 'DEFAULT_PROVIDER'
  | 'ANTHROPIC_API_KEY'
  | 'ANTHROPIC_BASE_URL'
  | 'ANTHROPIC_VERSION'
  | 'ANTHROPIC_DEFAULT_MODEL'
  | 'OPENAI_API_KEY'
  | 'OPENAI_BASE_URL'
  | 'OPENAI_DEFAULT_MODEL'
  | 'OPENAI_MAX_TOKENS_FIELD'
  | 'OFFLINE_DEFAULT_MODEL'
  | 'OFFLINE_DELAY_MS'
  | 'PROVIDER_TIMEOUT_MS'
>;

/** Builds every provider the config enables; offline always. */
export function createProviders(c: ProviderConfig): ProviderRegistry {
  const providers = new Map<ProviderName, ModelProvider>();
  providers.set('offline', new OfflineProvider({ delayMs: c.OFFLINE_DELAY_MS }));
  if (c.ANTHROPIC_API_KEY !== undefined) {
    providers.set(
      'anthropic',
      new AnthropicProvider({
        apiKey: c.ANTHROPIC_API_KEY,
        baseUrl: c.ANTHROPIC_BASE_URL,
        version: c.ANTHROPIC_VERSION,
        timeoutMs: c.PROVIDER_TIMEOUT_MS,
      }),
    );
  }
  if (providerConfigured(c, 'openai')) {
    providers.set(
      'openai',
      new OpenAiProvider({
        apiKey: c.OPENAI_API_KEY,
        baseUrl: c.OPENAI_BASE_URL,
        timeoutMs: c.PROVIDER_TIMEOUT_MS,
        maxTokensField: c.OPENAI_MAX_TOKENS_FIELD,
      }),
    );
  }
  const models: Record<ProviderName, string> = {
    offline: c.OFFLINE_DEFAULT_MODEL,
    anthropic: c.ANTHROPIC_DEFAULT_MODEL,
    openai: c.OPENAI_DEFAULT_MODEL,
  };
  return {
    defaultProvider: c.DEFAULT_PROVIDER,
    get: (name) => providers.get(name),
    defaultModel: (name) => models[name],
  };
}
