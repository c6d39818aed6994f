export { isInternalAddress, ipv6Groups } from './address-policy';
