#!/usr/bin/perl
# Writes the small GeoIP2-City style database that location_test.cc reads: a few documentation
# and shared-address networks with known locations.
#   perl make_test_mmdb.pl OUT.mmdb
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUT.mmdb\n";

# The writer needs the type of every map key it will meet.
my %types = (
    continent                => 'map',
    country                  => 'map',
    location                 => 'map',
    code                     => 'utf8_string',
    iso_code                 => 'utf8_string',
    latitude                 => 'double',
    longitude                => 'double',
    autonomous_system_number => 'uint32',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 24,
    database_type         => 'GeoIP2-City',
    languages             => ['en'],
    description           => { en => 'Nines policy test database' },
    map_key_type_callback => sub { $types{ $_[0] } },
    # Keep the documentation ranges (RFC 5737, RFC 3849): the writer drops reserved networks by
    # default, silently.
    remove_reserved_networks => 0,
);

$tree->insert_network('198.51.100.0/24', {
    continent => { code => 'EU' },
    country   => { iso_code => 'IE' },
    location  => { latitude => 53.3, longitude => -6.3 },
    autonomous_system_number => 64500,
});
$tree->insert_network('203.0.113.0/25', {
    continent => { code => 'AS' },
    country   => { iso_code => 'IN' },
    location  => { latitude => 19.1, longitude => 72.9 },
});
$tree->insert_network('2001:db8:100::/48', {
    continent => { code => 'NA' },
    country   => { iso_code => 'US' },
    location  => { latitude => 38.9, longitude => -77.0 },
});
# Known to the database, but without any location field.
$tree->insert_network('100.64.0.0/10', { autonomous_system_number => 64512 });

open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
