import { WebhookUrlRefused, checkWebhookUrl } from './url-guard';

const resolve = async (host: string) => {
  const table: Record<string, string[]> = { 'ok.test': ['93.184.216.34'], 'bad.test': ['93.184.216.34', '10.0.0.1'] };
  const found = table[host];
  if (!found) throw new Error('ENOTFOUND');
  return found.map((address) => ({ address, family: 4 }));
};
const check = (url: string, allowPrivate = false) => checkWebhookUrl(url, { allowPrivate, resolve });

describe('checkWebhookUrl', () => {
  it('accepts http(s) URLs whose host is public or resolves only to public addresses', async () => {
    await expect(check('https://ok.test/hook?x=1')).resolves.toBeInstanceOf(URL);
    await expect(check('http://93.184.216.34:8080/')).resolves.toBeInstanceOf(URL);
  });

  it('refuses a name with any internal address, names that do not resolve, other schemes and credentials', async () => {
    await expect(check('https://bad.test/')).rejects.toThrow(WebhookUrlRefused);
    await expect(check('https://missing.test/')).rejects.toThrow('host missing.test does not resolve');
    await expect(check('ftp://ok.test/')).rejects.toThrow('must be an http or https URL');
    await expect(check('https://a:b@ok.test/')).rejects.toThrow('must not carry credentials');
    await expect(check('not a url')).rejects.toThrow('must be a valid URL');
  });

  it('allows internal targets when told to, but never other schemes', async () => {
    await expect(check('http://127.0.0.1:3000/', true)).resolves.toBeInstanceOf(URL);
    await expect(check('file:///etc/passwd', true)).rejects.toThrow(WebhookUrlRefused);
  });
});
