#!/usr/bin/perl
# Writes two databases in ip-location-db's flat layout (country_code, latitude, longitude as
# floats, and an `as.number` map here to try a dotted path), one IPv4-only and one IPv6-only, as
# that project ships them; geo_database_test.cc reads them. Networks of many lengths, nested in
# one another (a more specific network overrides its part of the wider one):
#   10.A.0.0/16 for A in 0..63: country by A; within it 10.A.5.0/26, 10.A.5.128/25,
#   10.A.6.16/28, 10.A.7.0/30 and 10.A.200.0/21 with another country; 10.A.9.0/24 with no
#   country (only an AS number); nothing in 10.64.0.0/10 and up.
#   2001:db8:A::/48 for A in 0..31, with /56, /64 and /120 networks inside.
#   perl make_flat_mmdb.pl V4.mmdb V6.mmdb
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my ($v4_out, $v6_out) = @ARGV;
die "usage: $0 V4.mmdb V6.mmdb\n" unless $v4_out && $v6_out;

my %types = (
    country_code => 'utf8_string',
    latitude     => 'float',
    longitude    => 'float',
    as           => 'map',
    number       => 'uint32',
);

my @countries = qw(IE IN US BR AU ZA JP DE FR KE AR NZ CA CN EG GB);
my %points = (
    IE => [53.3, -6.3], IN => [19.1, 72.9], US => [38.9, -77.0], BR => [-23.5, -46.6],
    AU => [-33.9, 151.2], ZA => [-26.2, 28.0], JP => [35.7, 139.7], DE => [50.1, 8.7],
    FR => [48.9, 2.3], KE => [-1.3, 36.8], AR => [-34.6, -58.4], NZ => [-36.8, 174.8],
    CA => [43.7, -79.4], CN => [31.2, 121.5], EG => [30.0, 31.2], GB => [51.5, -0.1],
);

sub record {
    my ($country, $asn) = @_;
    my %r = (as => { number => $asn });
    if (defined $country) {
        $r{country_code} = $country;
        $r{latitude}     = $points{$country}[0];
        $r{longitude}    = $points{$country}[1];
    }
    return \%r;
}

sub tree {
    my ($version) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version            => $version,
        record_size           => 24,
        database_type         => "nines-flat-ipv$version",
        languages             => ['en'],
        description           => { en => 'Nines flat-layout test database' },
        map_key_type_callback => sub { $types{ $_[0] } },
        remove_reserved_networks => 0,
        alias_ipv6_to_ipv4       => 0,
    );
}

sub country { return $countries[ $_[0] % scalar @countries ] }

my $v4 = tree(4);
for my $a (0 .. 63) {
    $v4->insert_network("10.$a.0.0/16", record(country($a), 64500 + $a));
    $v4->insert_network("10.$a.5.0/26", record(country($a + 1), 65000 + $a));
    $v4->insert_network("10.$a.5.128/25", record(country($a + 2), 65100 + $a));
    $v4->insert_network("10.$a.6.16/28", record(country($a + 3), 65200 + $a));
    $v4->insert_network("10.$a.7.0/30", record(country($a + 4), 65300 + $a));
    $v4->insert_network("10.$a.200.0/21", record(country($a + 5), 65400 + $a));
    $v4->insert_network("10.$a.9.0/24", record(undef, 65500 + $a));
}

my $v6 = tree(6);
for my $a (0 .. 31) {
    my $h = sprintf('%x', $a);
    $v6->insert_network("2001:db8:$h\::/48", record(country($a + 6), 64600 + $a));
    $v6->insert_network("2001:db8:$h:100::/56", record(country($a + 7), 64700 + $a));
    $v6->insert_network("2001:db8:$h:200::/64", record(country($a + 8), 64800 + $a));
    $v6->insert_network("2001:db8:$h:300::/120", record(country($a + 9), 64900 + $a));
}

for ([$v4, $v4_out], [$v6, $v6_out]) {
    my ($tree, $out) = @$_;
    open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
    $tree->write_tree($fh);
    close $fh or die "cannot write $out: $!\n";
}
