import { describe, expect, it } from 'vitest';
import { hubUrlList } from '../../main/sync/client';

describe('HUB_URL with several hub nodes', () => {
  it('splits on commas, trims, keeps the order and drops empty entries', () => {
    expect(hubUrlList('http://a:7400')).toEqual(['http://a:7400']);
    expect(hubUrlList(' http://a:7400 , https://b.example/ ,')).toEqual(['http://a:7400', 'https://b.example/']);
    expect(hubUrlList(['http://a:1', 'http://b:2'])).toEqual(['http://a:1', 'http://b:2']);
  });

  it('refuses an empty list or an entry that is not an http(s) address, saying which', () => {
    expect(() => hubUrlList(' , ')).toThrow(/HUB_URL is empty/);
    expect(() => hubUrlList('http://a:1,b:2')).toThrow(/"b:2" is not an http\(s\):\/\/ address/);
  });
});
